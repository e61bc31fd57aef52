-- The services an export selects, one row each in a stable order (id), with the columns
-- both formats write (the server serialises them as GeoJSON or CSV as they come).
-- $1..$4: bbox (min lon, min lat, max lon, max lat, CRS84), all NULL for no bbox
-- (searched on the Web Mercator index, migration 0013);
-- $5: a day: services known to exist on it (first_seen <= day <= last_seen), or NULL;
-- $6: category id or NULL; $7, $8: the commune's country and code, or NULL;
-- $9: a region's id (migration 0020), or NULL: the services in its communes, and those in
-- no commune within 5 km of them (the region's margin), which count for its access.
SELECT s.id,
       s.category,
       sc.group_id AS "group",
       s.name,
       s.address,
       s.country::text AS country,
       CASE WHEN s.commune_code IS NOT NULL THEN s.country || '-' || s.commune_code END AS commune,
       s.sources,
       s.first_seen,
       s.last_seen,
       s.closure_candidate,
       ST_X(s.geom) AS lon,
       ST_Y(s.geom) AS lat
FROM service s
JOIN service_category sc ON sc.id = s.category
WHERE ($1::float8 IS NULL
       OR (s.geom_3857 && mercator_box($1, $2::float8, $3::float8, $4::float8)
           AND ST_Intersects(s.geom, ST_MakeEnvelope($1, $2::float8, $3::float8, $4::float8, 4326))))
  AND ($5::date IS NULL OR (s.first_seen <= $5 AND s.last_seen >= $5))
  AND ($6::text IS NULL OR s.category = $6)
  AND ($7::text IS NULL OR (s.country = $7 AND s.commune_code = $8::text))
  AND ($9::text IS NULL
       OR EXISTS (SELECT 1 FROM commune c
                  WHERE c.country = s.country AND c.code = s.commune_code AND c.region_id = $9)
       OR (s.commune_code IS NULL
           AND EXISTS (SELECT 1 FROM region r WHERE r.id = $9 AND ST_Intersects(r.margin, s.geom))))
ORDER BY s.id
