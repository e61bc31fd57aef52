-- The nearest services the search in the process found (indicators/nearest), measured on
-- the spheroid by PostGIS with the very expression of the incremental refresh's search
-- (nearest_search.sql: the service first, the origin second), so that both write the
-- same value for the same pair. The coordinates are those of service.geom and
-- access_origin.geom, carried bit for bit by binary COPY. A candidate for both scopes
-- (the nearest across the border is in the origin's own country) is measured once
-- (MATERIALIZED: otherwise the distance is computed for each row it gives).
WITH measured AS MATERIALIZED (
    SELECT origin, category, across, national, service_id,
           ST_Distance(ST_SetSRID(ST_MakePoint(service_x, service_y), 4326)::geography,
                       ST_SetSRID(ST_MakePoint(origin_x, origin_y), 4326)::geography) AS distance
    FROM nearest_candidate
    WHERE alone
)
INSERT INTO access_nearest (origin, category, scope, service_id, distance_m)
SELECT origin, category, 'any', service_id, distance FROM measured WHERE across
UNION ALL
SELECT origin, category, 'national', service_id, distance FROM measured WHERE national;
-- Where several services lie within a millimetre of the nearest, PostGIS's distance
-- decides, then the lower id, as in nearest_search.sql.
INSERT INTO access_nearest (origin, category, scope, service_id, distance_m)
SELECT DISTINCT ON (origin, category, scope) origin, category, scope, service_id, distance
FROM (
    SELECT origin, category, CASE WHEN across THEN 'any' ELSE 'national' END AS scope, service_id,
           ST_Distance(ST_SetSRID(ST_MakePoint(service_x, service_y), 4326)::geography,
                       ST_SetSRID(ST_MakePoint(origin_x, origin_y), 4326)::geography) AS distance
    FROM nearest_candidate
    WHERE NOT alone
) AS tied
ORDER BY origin, category, scope, distance, service_id;
TRUNCATE nearest_candidate;
