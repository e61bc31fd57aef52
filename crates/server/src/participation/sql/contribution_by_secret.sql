-- $1 SHA-256 of a withdrawal secret: the contribution as its writer sees it.
SELECT c.id, c.kind::text AS kind, c.status::text AS status, p.review::text AS review,
       c.public_reason, c.created_at
FROM contribution c
LEFT JOIN project_idea p ON p.contribution_id = c.id
WHERE c.withdraw_sha256 = $1
