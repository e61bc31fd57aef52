-- The nearest open service of category $1 to each origin in scope, across the border
-- ('any') and within the origin's own country ('national'): KNN on the category's own
-- geography index (migration 0006; $1 is planned as a constant, see prepare.sql), in
-- metres on the spheroid. Where the nearest one is in the origin's country it is also the
-- nearest within it; only the other origins search again, among their country's services.
WITH nearest AS MATERIALIZED (
    SELECT o.id AS origin, o.country, o.geom, k.id, k.country AS service_country, k.distance
    FROM nearest_scope n
    JOIN access_origin o ON o.id = n.origin
    CROSS JOIN LATERAL (
        SELECT s.id, s.country, ST_Distance(s.geom::geography, o.geom::geography) AS distance
        FROM service s
        WHERE s.category = $1 AND NOT s.closure_candidate
        ORDER BY s.geom::geography <-> o.geom::geography
        LIMIT 1
    ) AS k
    WHERE n.category = $1
)
INSERT INTO access_nearest (origin, category, scope, service_id, distance_m)
SELECT origin, $1, 'any', id, distance FROM nearest
UNION ALL
SELECT origin, $1, 'national', id, distance FROM nearest WHERE service_country = country
UNION ALL
SELECT n.origin, $1, 'national', k.id, k.distance
FROM nearest n
CROSS JOIN LATERAL (
    SELECT s.id, ST_Distance(s.geom::geography, n.geom::geography) AS distance
    FROM service s
    WHERE s.category = $1 AND NOT s.closure_candidate AND s.country = n.country
    ORDER BY s.geom::geography <-> n.geom::geography
    LIMIT 1
) AS k
WHERE n.service_country IS DISTINCT FROM n.country
