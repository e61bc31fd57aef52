-- Removes what the observatory keeps no longer (retention.rs); how many of each.
WITH sessions AS (
    DELETE FROM account_session WHERE expires_at < now() RETURNING 1
), windows AS (
    DELETE FROM rate_limit_hit WHERE window_start < now() - interval '1 day' RETURNING 1
), contacts AS (
    UPDATE contribution SET contact_email = NULL
    WHERE contact_email IS NOT NULL AND decided_at < now() - interval '12 months'
    RETURNING 1
), old AS (
    SELECT id FROM contribution
    WHERE status IN ('rejected', 'merged') AND decided_at < now() - interval '12 months'
), ideas AS (
    DELETE FROM idea WHERE contribution_id IN (SELECT id FROM old) RETURNING 1
), projects AS (
    DELETE FROM project_idea WHERE contribution_id IN (SELECT id FROM old) RETURNING 1
), photos AS (
    DELETE FROM photo WHERE contribution_id IN (SELECT id FROM old) RETURNING 1
), reports AS (
    DELETE FROM service_report WHERE contribution_id IN (SELECT id FROM old) RETURNING 1
)
SELECT (SELECT count(*) FROM sessions) AS sessions,
       (SELECT count(*) FROM windows) AS rate_limit_windows,
       (SELECT count(*) FROM contacts) AS contact_emails,
       (SELECT count(*) FROM ideas) + (SELECT count(*) FROM projects)
       + (SELECT count(*) FROM photos) + (SELECT count(*) FROM reports) AS contents
