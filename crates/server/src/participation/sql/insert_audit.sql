-- $1 account, $2 its user name, $3 action, $4 contribution, $5 its state before; the
-- state after is read from the contribution as it now is.
INSERT INTO audit_log (account_id, username, action, contribution_id, before, after)
SELECT $1, $2, $3, c.id, $5,
       jsonb_build_object('status', c.status, 'public_reason', c.public_reason,
                          'merged_into', c.merged_into,
                          'applied_service', r.applied_service)
FROM contribution c
LEFT JOIN service_report r ON r.contribution_id = c.id
WHERE c.id = $4
