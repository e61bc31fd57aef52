-- An incremental refresh after one service changed: $1 its category, $2 its id, $3 and $4
-- the longitude and latitude it is at (or was at, when it moved or went). Origins are
-- affected where that point is at least as near as their nearest service, where their
-- nearest service is this one, or where they have none yet. (Every write of a service
-- refreshes in its own transaction, so a nearest service that is no longer open in the
-- category can only be this one.)
-- The first kind lie within the category's farthest nearest distance of the point
-- (migration 0023), in the plane within that distance times the largest stretch of Web
-- Mercator there (mercator_scale_bound, migration 0008); only those are measured.
WITH here AS (
    SELECT ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography AS g,
           ST_Transform(ST_SetSRID(ST_MakePoint($3, $4), 4326), 3857) AS plane
),
reach AS (
    SELECT max(distance_m) + 0.01 AS m FROM access_nearest WHERE category = $1
),
candidate AS (
    SELECT o.id
    FROM access_origin o, here, reach
    WHERE ST_DWithin(o.geom_3857, here.plane, reach.m * mercator_scale_bound($4, reach.m))
    UNION
    SELECT a.origin FROM access_nearest a WHERE a.service_id = $2 AND a.category = $1
    UNION
    SELECT o.id FROM access_origin o
    WHERE NOT EXISTS (SELECT 1 FROM access_nearest a WHERE a.origin = o.id AND a.category = $1)
)
INSERT INTO nearest_scope (origin, category)
SELECT DISTINCT o.id, $1::text
FROM candidate
JOIN access_origin o ON o.id = candidate.id
JOIN commune oc ON oc.country = o.country AND oc.code = o.commune
JOIN covered_points c ON c.country = o.country AND c.region = coalesce(oc.region_id, '') AND c.category = $1
CROSS JOIN here
LEFT JOIN access_nearest a ON a.origin = o.id AND a.category = $1
WHERE a.origin IS NULL OR a.service_id = $2
   OR ST_Distance(here.g, o.geom::geography) <= a.distance_m + 0.01;
