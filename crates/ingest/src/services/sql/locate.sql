-- Each record's point in EPSG:4326 ($1 = the source's SRID) and the commune it lies in:
-- found by the reader for longitude/latitude points (`located`), here for the others.
CREATE TEMP TABLE service_located ON COMMIT DROP AS
SELECT s.ord, s.location, s.record_id, s.category, s.raw_category, s.name, s.address,
       s.source_commune, s.seen_on, s.status, s.attributes, s.located, g.geom,
       CASE WHEN s.located THEN s.found_country ELSE part.country END AS commune_country,
       CASE WHEN s.located THEN s.found_code ELSE part.code END AS commune_code
FROM service_staging s
CROSS JOIN LATERAL (
    SELECT CASE WHEN $1::integer = 4326 THEN ST_SetSRID(ST_MakePoint(s.x, s.y), 4326)
                ELSE ST_Transform(ST_SetSRID(ST_MakePoint(s.x, s.y), $1::integer), 4326) END AS geom
) AS g
LEFT JOIN LATERAL (
    SELECT p.country, p.code FROM commune_part p
    WHERE NOT s.located AND ST_Intersects(p.geom, g.geom) LIMIT 1
) AS part ON true
