-- The accepted ideas, of commune ($1 country, $2 code) or of all when NULL, most
-- supported first.
SELECT c.id, i.country || '-' || i.commune_code AS commune, m.name AS commune_name,
       i.theme, i.title, i.body, c.language, c.created_at,
       (SELECT count(*) FROM support s WHERE s.contribution_id = c.id) AS supports
FROM contribution c
JOIN idea i ON i.contribution_id = c.id
LEFT JOIN commune m ON m.country = i.country AND m.code = i.commune_code
WHERE c.status = 'accepted'
  AND ($1::text IS NULL OR (i.country = $1 AND i.commune_code = $2))
ORDER BY supports DESC, c.created_at DESC
LIMIT 1000
