-- The sources among $1 that another region than $2 has loaded: a manifest replaces its
-- own region's sources only. (Sources of no region, loaded before regions existed or by
-- a quick import, may be taken over.)
SELECT id, region_id FROM source
WHERE id = ANY ($1::text[]) AND region_id IS NOT NULL AND region_id <> $2
ORDER BY id
