-- The least any search of one nearest service per origin costs on this database: one
-- nearest-neighbour probe per origin for category $1, on the index the incremental
-- refresh's search uses (the category's own for a rare one, the shared one otherwise:
-- migrations 0008 and 0026), with nothing computed, kept or written. Run per category
-- with plan_cache_mode = force_custom_plan, so that a partial index is used as in the
-- refresh.
SELECT count(k.id)
FROM access_origin o
CROSS JOIN LATERAL (
    SELECT s.id FROM service s
    WHERE s.category = $1 AND NOT s.closure_candidate
    ORDER BY s.geom_3857 <-> o.geom_3857
    LIMIT 1
) AS k
