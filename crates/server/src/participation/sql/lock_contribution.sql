-- $1 contribution: its kind and status, locked until the decision commits, and its state
-- for the audit log.
SELECT c.kind::text AS kind, c.status::text AS status,
       jsonb_build_object('status', c.status, 'public_reason', c.public_reason,
                          'merged_into', c.merged_into) AS before
FROM contribution c
WHERE c.id = $1
FOR UPDATE
