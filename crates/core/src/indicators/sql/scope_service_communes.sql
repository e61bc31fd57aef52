-- The communes of the affected origins, and the commune the changed point lies in (its
-- counts change): $1 category, $2 and $3 longitude and latitude.
INSERT INTO value_scope (country, code, category, region)
SELECT c.country, c.code, $1::text, coalesce(c.region_id, '')
FROM (SELECT o.country, o.commune AS code FROM nearest_scope n JOIN access_origin o ON o.id = n.origin
      UNION
      SELECT p.country, p.code FROM commune_part p WHERE ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint($2, $3), 4326))) AS affected
JOIN commune c ON c.country = affected.country AND c.code = affected.code;
