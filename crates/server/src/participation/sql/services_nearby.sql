-- $1 $2 longitude latitude, $3 category, $4 radius in metres: the known services of the
-- category within the radius (geodesic), nearest first.
WITH here AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS g)
SELECT s.id, s.name, s.category,
       ST_Distance(s.geom::geography, here.g::geography) AS distance_m,
       s.closure_candidate AS closed,
       ST_X(s.geom) AS longitude, ST_Y(s.geom) AS latitude
FROM service s, here
WHERE s.category = $3
  AND ST_DWithin(s.geom::geography, here.g::geography, $4)
  -- the index: a degree of latitude is more than 110 km, of longitude here more than 60 km
  AND s.geom && ST_Expand(here.g, $4 / 60000.0)
ORDER BY distance_m, s.id
LIMIT 20
