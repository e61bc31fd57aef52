-- $1 SHA-256 of the session token, $2 account, $3 CSRF token, $4 lifetime in seconds.
INSERT INTO account_session (token_sha256, account_id, csrf_token, expires_at)
VALUES ($1, $2, $3, now() + make_interval(secs => $4))
