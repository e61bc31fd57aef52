-- The first access origin of the ($1 + 1)th most populous commune of the latest year.
SELECT ST_X(o.geom), ST_Y(o.geom)
FROM access_origin o
JOIN commune_population p ON p.country = o.country AND p.code = o.commune
WHERE p.year = (SELECT max(year) FROM commune_population)
ORDER BY p.population DESC, o.id
LIMIT 1 OFFSET $1
