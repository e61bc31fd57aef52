-- $1 user name, $2 role, $3 argon2id PHC string. A user name already taken is a
-- unique violation (account_username_unique).
INSERT INTO account (username, role, password_hash)
VALUES ($1, $2::account_role, $3)
RETURNING id
