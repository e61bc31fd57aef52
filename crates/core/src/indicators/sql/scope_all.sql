-- A full refresh: every origin and every commune, for every category.
INSERT INTO nearest_scope (origin, category)
SELECT o.id, c.category
FROM access_origin o
JOIN commune oc ON oc.country = o.country AND oc.code = o.commune
JOIN covered_points c ON c.country = o.country AND c.region = coalesce(oc.region_id, '');
INSERT INTO value_scope (country, code, category, region)
SELECT c.country, c.code, k.id, coalesce(c.region_id, '') FROM commune c CROSS JOIN service_category k;
-- Everything is recomputed: emptying the tables is cheaper than deleting row by row.
TRUNCATE access_nearest, indicator_commune_value, indicator_gap, commune_map_values;
