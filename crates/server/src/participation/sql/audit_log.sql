-- The latest $1 actions.
SELECT id, at, username AS account, action, contribution_id, subject, before, after
FROM audit_log
ORDER BY at DESC, id DESC
LIMIT $1
