-- $1, $2 = longitude and latitude (EPSG:4326). The commune the point lies in, as the
-- ingest finds it (services/locate.rs): the least (country, code) of the commune pieces
-- that hold it, boundary included; and whether it is in the study area widened by 5 km.
WITH here AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS g)
SELECT c.country, c.code,
       c.code IS NOT NULL
       OR EXISTS (SELECT 1 FROM study_area_part a WHERE ST_Intersects(a.geom, here.g)) AS in_area
FROM here
LEFT JOIN LATERAL (
    SELECT p.country::text AS country, p.code
    FROM commune_part p
    WHERE ST_Intersects(p.geom, here.g)
    ORDER BY p.country, p.code
    LIMIT 1
) AS c ON true
