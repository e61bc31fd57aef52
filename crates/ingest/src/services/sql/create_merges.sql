-- The match kept for each new service that another source describes (services/merge.rs):
-- $1 the new services, $2 the services they merge into.
CREATE TEMP TABLE service_merge ON COMMIT DROP AS
SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS m(new_id, keep_id)
