-- An incremental refresh after one service changed: $1 its category, $2 its id, $3 and $4
-- the longitude and latitude it is at (or was at, when it moved or went). Origins are
-- affected where that point is at least as near as their nearest service, or where their
-- nearest service is this one, is gone or is no longer open.
WITH here AS (SELECT ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography AS g)
INSERT INTO nearest_scope (origin, category)
SELECT DISTINCT o.id, $1::text
FROM access_origin o
JOIN commune oc ON oc.country = o.country AND oc.code = o.commune
JOIN covered_points c ON c.country = o.country AND c.region = coalesce(oc.region_id, '') AND c.category = $1
CROSS JOIN here
LEFT JOIN access_nearest a ON a.origin = o.id AND a.category = $1
LEFT JOIN service s ON s.id = a.service_id
WHERE a.origin IS NULL OR s.id IS NULL OR s.closure_candidate OR s.category <> $1 OR a.service_id = $2
   OR ST_Distance(here.g, o.geom::geography) <= a.distance_m + 0.01;
