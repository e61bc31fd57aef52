-- A source's record of service $1 seen on day $6: $2 source, $3 record id, $4 raw category
-- (the category id), $5 status (NULL keeps the one recorded). A record already describing
-- this service gains the day; a new record is inserted. The service lists the source
-- (migration 0012). No row comes back when the record describes another service.
WITH seen_again AS (
    UPDATE service_provenance p
    SET seen_on = ARRAY(SELECT DISTINCT d FROM unnest(p.seen_on || $6::date) AS d ORDER BY d),
        status = coalesce($5, p.status)
    WHERE p.source_id = $2 AND p.record_id = $3 AND p.service_id = $1
    RETURNING p.service_id
),
first_seen AS (
    INSERT INTO service_provenance (service_id, source_id, record_id, raw_category, status, seen_on)
    SELECT $1, $2, $3, $4, $5, ARRAY[$6::date]
    WHERE NOT EXISTS (SELECT 1 FROM seen_again)
      AND NOT EXISTS (SELECT 1 FROM service_provenance o WHERE o.source_id = $2 AND o.record_id = $3)
    RETURNING service_id
)
UPDATE service s
SET sources = ARRAY(SELECT DISTINCT u.source FROM unnest(s.sources || $2::text) AS u(source) ORDER BY 1)
WHERE s.id = $1
  AND EXISTS (SELECT 1 FROM seen_again UNION ALL SELECT 1 FROM first_seen)
RETURNING s.id
