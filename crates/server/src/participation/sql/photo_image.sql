-- $1 a photo: its re-encoded JPEG and the contribution's status (no row when unknown or
-- erased).
SELECT p.jpeg, c.status::text AS status
FROM photo p
JOIN contribution c ON c.id = p.contribution_id
WHERE p.contribution_id = $1 AND p.jpeg IS NOT NULL
