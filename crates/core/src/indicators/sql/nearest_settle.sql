-- The origins nearest_search.sql could not prove (several services at almost the same
-- distance, e.g. at one address): every service closer on the spheroid than the best
-- candidate lies within distance × mercator_scale_bound in the plane, so one search of
-- that disc on the services' index (the category's own for a rare one) finds the nearest
-- for certain. (MATERIALIZED: searched once, then joined; otherwise PostgreSQL may search
-- once per row of the table.)
WITH settled AS MATERIALIZED (
    SELECT u.origin, u.scope, k.id, k.country, k.distance
    FROM nearest_found u
    JOIN access_origin o ON o.id = u.origin
    CROSS JOIN LATERAL (
        SELECT s.id, s.country, ST_Distance(s.geom::geography, o.geom::geography) AS distance
        FROM service s
        WHERE s.category = $1 AND NOT s.closure_candidate
          AND (u.scope = 'any' OR s.country = o.country)
          AND ST_DWithin(s.geom_3857, o.geom_3857, u.distance * mercator_scale_bound(ST_Y(o.geom), u.distance))
        ORDER BY 3, 1
        LIMIT 1
    ) AS k
    WHERE NOT u.proven
)
UPDATE nearest_found f
SET service_id = settled.id, service_country = settled.country, distance = settled.distance, proven = true
FROM settled
WHERE f.origin = settled.origin AND f.scope = settled.scope
