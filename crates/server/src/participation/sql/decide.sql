-- $1 contribution, $2 new status, $3 the deciding account, $4 public reason, $5 merged
-- into.
UPDATE contribution
SET status = $2::contribution_status, decided_at = now(), decided_by = $3,
    public_reason = $4, merged_into = $5
WHERE id = $1
