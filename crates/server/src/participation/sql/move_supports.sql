-- $1 the merged duplicate, $2 the contribution it joins: its supports move there (one
-- per person still), the rest go with it.
WITH moved AS (
    DELETE FROM support WHERE contribution_id = $1
    RETURNING supporter_sha256, created_at
)
INSERT INTO support (contribution_id, supporter_sha256, created_at)
SELECT $2, supporter_sha256, created_at FROM moved
ON CONFLICT ON CONSTRAINT support_once DO NOTHING
