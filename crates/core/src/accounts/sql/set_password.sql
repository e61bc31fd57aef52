-- $1 user name, $2 argon2id PHC string. Ends the account's sessions: a new password
-- logs out whoever knew the old one.
WITH changed AS (
    UPDATE account SET password_hash = $2 WHERE username = $1 RETURNING id
), ended AS (
    DELETE FROM account_session WHERE account_id IN (SELECT id FROM changed)
)
SELECT id FROM changed
