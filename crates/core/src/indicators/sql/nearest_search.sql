-- The nearest open service of category $1 to each origin in scope, in metres on the
-- spheroid: across the border when $2 = 'any'; when $2 = 'national', within the origin's
-- own country, searched only for the origins whose nearest service across the border is
-- in the other country (for the others it is the same service).
-- Each origin takes its two nearest services in the Web Mercator plane, from the
-- category's own index where a rare category has one, the shared one otherwise
-- (migrations 0008 and 0026; $1 and $2 are planned as constants, see prepare.sql), and
-- keeps the nearer of them on the spheroid, at distance d. That one is the nearest of
-- all when the search has seen the whole category (a single service) or
-- when the second lies beyond the disc that holds every service closer than d on the
-- spheroid (mercator_scale_bound). The others (about 2 % at national scale: two services
-- at almost the same distance) are marked not proven and settled by nearest_settle.sql.
-- Two candidates, not more: each costs a distance on the spheroid, and four were 20 %
-- slower for 1.7 % fewer origins to settle.
INSERT INTO nearest_found (origin, country, scope, service_id, service_country, distance, proven)
SELECT DISTINCT ON (o.id)
       o.id, o.country, $2, k.id, k.country, k.distance,
       count(*) OVER w < 2
           OR max(k.planar) OVER w >= k.distance * mercator_scale_bound(ST_Y(o.geom), k.distance)
FROM nearest_scope n
JOIN access_origin o ON o.id = n.origin
CROSS JOIN LATERAL (
    SELECT s.id, s.country,
           ST_Distance(s.geom::geography, o.geom::geography) AS distance,
           s.geom_3857 <-> o.geom_3857 AS planar
    FROM service s
    WHERE s.category = $1 AND NOT s.closure_candidate
      AND ($2 = 'any' OR s.country = o.country)
    ORDER BY s.geom_3857 <-> o.geom_3857
    LIMIT 2
) AS k
WHERE n.category = $1
  AND ($2 = 'any' OR o.id IN (
      SELECT f.origin FROM nearest_found f
      WHERE f.scope = 'any' AND f.service_country IS DISTINCT FROM f.country))
WINDOW w AS (PARTITION BY o.id)
ORDER BY o.id, k.distance, k.id
