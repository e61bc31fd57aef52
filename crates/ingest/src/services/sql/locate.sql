-- Each record's point in EPSG:4326 ($1 = the source's SRID) and the commune it lies in.
CREATE TEMP TABLE service_located ON COMMIT DROP AS
SELECT s.*, g.geom, part.country AS commune_country, part.code AS commune_code
FROM service_staging s
CROSS JOIN LATERAL (
    SELECT CASE WHEN $1::integer = 4326 THEN ST_SetSRID(ST_MakePoint(s.x, s.y), 4326)
                ELSE ST_Transform(ST_SetSRID(ST_MakePoint(s.x, s.y), $1::integer), 4326) END AS geom
) AS g
LEFT JOIN LATERAL (
    SELECT p.country, p.code FROM commune_part p WHERE ST_Intersects(p.geom, g.geom) LIMIT 1
) AS part ON true
