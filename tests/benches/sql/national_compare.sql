-- Both ways agree: (pairs compared, pairs whose distances differ by more than a millimetre).
SELECT count(*), count(*) FILTER (WHERE abs(a.distance_m - n.distance) > 0.001)
FROM naive n
JOIN access_nearest a ON a.origin = n.origin AND a.category = n.category AND a.scope = 'any'
