-- The nearest services found for category $1 (nearest_search.sql), as rows of
-- access_nearest: where the nearest across the border is in the origin's own country, it
-- is also its nearest within the country.
INSERT INTO access_nearest (origin, category, scope, service_id, distance_m)
SELECT origin, $1, 'any', service_id, distance FROM nearest_found WHERE scope = 'any'
UNION ALL
SELECT origin, $1, 'national', service_id, distance FROM nearest_found
WHERE scope = 'any' AND service_country = country
UNION ALL
SELECT origin, $1, 'national', service_id, distance FROM nearest_found WHERE scope = 'national'
