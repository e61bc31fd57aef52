-- A refresh of whole categories ($1, after a load changed their services): every origin
-- and every commune, for those categories only. The nearest services found before are
-- dropped for every origin, so a side of the border (of a region) that no longer has a
-- source for a category keeps none, as a full refresh would leave it.
WITH dropped AS (
    DELETE FROM access_nearest WHERE category = ANY ($1::text[])
),
origins AS (
    INSERT INTO nearest_scope (origin, category)
    SELECT o.id, c.category
    FROM access_origin o
    JOIN commune oc ON oc.country = o.country AND oc.code = o.commune
    JOIN covered_points c ON c.country = o.country AND c.region = coalesce(oc.region_id, '')
    WHERE c.category = ANY ($1::text[])
)
INSERT INTO value_scope (country, code, category, region)
SELECT c.country, c.code, k.id, coalesce(c.region_id, '')
FROM commune c CROSS JOIN service_category k
WHERE k.id = ANY ($1::text[])
