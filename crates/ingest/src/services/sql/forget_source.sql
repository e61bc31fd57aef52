-- What a new load of a source replaces: its records, and the services only it described
-- with the measures and nearest-service rows that point at them (deleted here rather than
-- by the foreign keys' cascades, which a large replacement sets aside: migration 0014);
-- the services other sources describe too no longer list it (migration 0012).
-- (Every part below sees the tables as they were before the statement.)
WITH gone AS (
    DELETE FROM service_provenance WHERE source_id = $1 RETURNING service_id
),
kept AS (
    UPDATE service s
    SET sources = array_remove(s.sources, $1)
    WHERE s.id IN (SELECT service_id FROM gone)
      AND EXISTS (SELECT 1 FROM service_provenance p WHERE p.service_id = s.id AND p.source_id <> $1)
),
dropped AS (
    DELETE FROM service s
    WHERE s.id IN (SELECT service_id FROM gone)
      AND NOT EXISTS (SELECT 1 FROM service_provenance p WHERE p.service_id = s.id AND p.source_id <> $1)
    RETURNING s.id
),
measures AS (
    DELETE FROM service_measure m WHERE m.service_id IN (SELECT id FROM dropped)
)
DELETE FROM access_nearest a WHERE a.service_id IN (SELECT id FROM dropped)
