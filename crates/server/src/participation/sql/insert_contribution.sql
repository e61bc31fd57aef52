-- $1 kind, $2 language, $3 contact e-mail or NULL, $4 SHA-256 of the withdrawal secret.
INSERT INTO contribution (kind, language, contact_email, withdraw_sha256)
VALUES ($1::contribution_kind, $2, $3, $4)
RETURNING id
