-- $1 the SHA-256 of a session token: its account (id, user name, role) and CSRF token,
-- if the session has not expired.
SELECT a.id, a.username, a.role::text, s.csrf_token
FROM account_session s
JOIN account a ON a.id = s.account_id
WHERE s.token_sha256 = $1 AND s.expires_at > now()
