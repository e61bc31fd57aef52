-- $1 SHA-256 of the session token.
DELETE FROM account_session WHERE token_sha256 = $1
