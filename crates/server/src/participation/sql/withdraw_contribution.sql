-- $1 SHA-256 of a withdrawal secret: the contribution is withdrawn and its contact
-- erased; its id (no row for an unknown secret).
UPDATE contribution
SET status = 'withdrawn', contact_email = NULL, decided_at = coalesce(decided_at, now())
WHERE withdraw_sha256 = $1
RETURNING id
