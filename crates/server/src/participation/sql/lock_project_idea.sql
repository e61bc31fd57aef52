-- $1 a project idea: its review and moderation status, locked until the review commits
-- so two partners cannot move it at once.
SELECT p.review::text AS review, c.status::text AS status
FROM project_idea p
JOIN contribution c ON c.id = p.contribution_id
WHERE p.contribution_id = $1
FOR UPDATE
