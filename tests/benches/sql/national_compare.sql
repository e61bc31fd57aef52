-- Both ways against each other: (pairs compared, pairs where the observatory's distance is
-- shorter by more than a millimetre, pairs where it is longer). The naive way orders its
-- search by distance on the sphere, so among services at almost the same distance it can
-- keep one that is farther on the spheroid; the observatory's search never may.
SELECT count(*),
       count(*) FILTER (WHERE a.distance_m < n.distance - 0.001),
       count(*) FILTER (WHERE a.distance_m > n.distance + 0.001)
FROM naive n
JOIN access_nearest a ON a.origin = n.origin AND a.category = n.category AND a.scope = 'any'
