-- The naive way, as issue 4 describes it: one nearest-neighbour query per origin and
-- category on one shared geography index (naive_geog_idx), across the border only.
CREATE TEMP TABLE naive ON COMMIT DROP AS
SELECT o.id AS origin, k.id AS category, n.service_id, n.distance
FROM access_origin o
CROSS JOIN service_category k
CROSS JOIN LATERAL (
    SELECT s.id AS service_id, ST_Distance(s.geom::geography, o.geom::geography) AS distance
    FROM service s
    WHERE s.category = k.id AND NOT s.closure_candidate
    ORDER BY s.geom::geography <-> o.geom::geography
    LIMIT 1
) AS n;
