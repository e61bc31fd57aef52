-- Services whose commune was replaced by this load find it again.
UPDATE service s
SET country = part.country, commune_code = part.code
FROM commune_part part
WHERE s.commune_code IS NULL AND ST_Intersects(part.geom, s.geom)
