-- What a new load of a source replaces: its records, and the services only it described;
-- the services other sources describe too no longer list it (migration 0012).
-- (The statements below all see the provenance as it was before the DELETE.)
WITH gone AS (
    DELETE FROM service_provenance WHERE source_id = $1 RETURNING service_id
),
kept AS (
    UPDATE service s
    SET sources = array_remove(s.sources, $1)
    WHERE s.id IN (SELECT service_id FROM gone)
      AND EXISTS (SELECT 1 FROM service_provenance p WHERE p.service_id = s.id AND p.source_id <> $1)
)
DELETE FROM service s
WHERE s.id IN (SELECT service_id FROM gone)
  AND NOT EXISTS (SELECT 1 FROM service_provenance p WHERE p.service_id = s.id AND p.source_id <> $1)
