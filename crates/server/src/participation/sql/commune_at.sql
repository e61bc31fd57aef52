-- $1, $2 = longitude and latitude (EPSG:4326): the commune of the study area the point
-- lies in, boundary included (the least one where two meet), or no row.
SELECT p.country::text, p.code
FROM commune_part p
WHERE ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))
ORDER BY p.country, p.code
LIMIT 1
