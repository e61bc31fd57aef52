-- Service $1 was last known to exist on day $2: no longer open (closure_candidate, which
-- every indicator reads as "not open").
UPDATE service
SET last_seen = $2, closure_candidate = true
WHERE id = $1
