-- $1 user name: the account's id, role and password hash.
SELECT id, role::text, password_hash FROM account WHERE username = $1
