-- $1 contribution, $2 SHA-256 of the supporter's cookie; no row when already given.
INSERT INTO support (contribution_id, supporter_sha256)
VALUES ($1, $2)
ON CONFLICT ON CONSTRAINT support_once DO NOTHING
