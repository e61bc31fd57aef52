-- What a new load of a source replaces: its records, and the services only it described.
WITH gone AS (
    DELETE FROM service_provenance WHERE source_id = $1 RETURNING service_id
)
DELETE FROM service s
WHERE s.id IN (SELECT service_id FROM gone)
  AND NOT EXISTS (SELECT 1 FROM service_provenance p WHERE p.service_id = s.id AND p.source_id <> $1)
