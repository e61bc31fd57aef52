-- The least any search of one nearest service per origin costs on this database: one
-- nearest-neighbour probe per origin on the own index of category $1 (migration 0008),
-- with nothing computed, kept or written. Run per category with plan_cache_mode =
-- force_custom_plan, so that the category's partial index is used as in the refresh.
SELECT count(k.id)
FROM access_origin o
CROSS JOIN LATERAL (
    SELECT s.id FROM service s
    WHERE s.category = $1 AND NOT s.closure_candidate
    ORDER BY s.geom_3857 <-> o.geom_3857
    LIMIT 1
) AS k
