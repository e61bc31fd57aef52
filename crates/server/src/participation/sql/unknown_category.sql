-- $1 category ids: the position (from 0) of the first one the taxonomy does not have,
-- or no row when it has them all.
SELECT (u.position - 1)::bigint
FROM unnest($1::text[]) WITH ORDINALITY AS u (id, position)
WHERE NOT EXISTS (SELECT 1 FROM service_category c WHERE c.id = u.id)
ORDER BY u.position
LIMIT 1
