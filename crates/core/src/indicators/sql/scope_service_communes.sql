-- The communes of the affected origins, and the commune the changed point lies in (its
-- counts change): $1 category, $2 and $3 longitude and latitude.
INSERT INTO value_scope (country, code, category)
SELECT DISTINCT o.country, o.commune, $1::text FROM nearest_scope n JOIN access_origin o ON o.id = n.origin
UNION
SELECT p.country, p.code, $1::text FROM commune_part p WHERE ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint($2, $3), 4326));
