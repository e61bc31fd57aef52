-- $1 account, $2 its user name, $3 action, $4 contribution (NULL for a call or event),
-- $5 what else it is about (`call/12`, `event/3`) or NULL, $6 the state before (NULL
-- for what did not exist), $7 the state after.
INSERT INTO audit_log (account_id, username, action, contribution_id, subject, before, after)
VALUES ($1, $2, $3, $4, $5, $6, $7)
