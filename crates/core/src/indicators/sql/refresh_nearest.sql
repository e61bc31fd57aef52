-- The nearest open service to each origin in scope, across the border and within the
-- origin's country (KNN on the geography index: metres on the spheroid).
-- Temporary tables get no statistics by themselves: without them the planner guesses badly.
ANALYZE nearest_scope;
ANALYZE value_scope;
ANALYZE covered_points;
DELETE FROM access_nearest a USING nearest_scope n WHERE a.origin = n.origin AND a.category = n.category;
INSERT INTO access_nearest (origin, category, scope, service_id, distance_m)
SELECT o.id, n.category, 'any', k.id, k.distance
FROM nearest_scope n
JOIN access_origin o ON o.id = n.origin
CROSS JOIN LATERAL (
    SELECT s.id, ST_Distance(s.geom::geography, o.geom::geography) AS distance
    FROM service s
    WHERE s.category = n.category AND NOT s.closure_candidate
    ORDER BY s.geom::geography <-> o.geom::geography
    LIMIT 1
) AS k;
INSERT INTO access_nearest (origin, category, scope, service_id, distance_m)
SELECT o.id, n.category, 'national', k.id, k.distance
FROM nearest_scope n
JOIN access_origin o ON o.id = n.origin
CROSS JOIN LATERAL (
    SELECT s.id, ST_Distance(s.geom::geography, o.geom::geography) AS distance
    FROM service s
    WHERE s.category = n.category AND NOT s.closure_candidate AND s.country = o.country
    ORDER BY s.geom::geography <-> o.geom::geography
    LIMIT 1
) AS k;
