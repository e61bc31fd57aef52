-- One page of the OGC API `services` collection, in a stable order (id), with the number
-- of services the filters match on every row.
-- $1..$4: bbox (min lon, min lat, max lon, max lat, CRS84), all NULL for no bbox
-- (searched on the Web Mercator index, migration 0013);
-- $5, $6: the datetime interval's first and last day, NULL for an open end: a service
-- matches when the days it is known to exist, [first_seen, last_seen], overlap it;
-- $7: category id or NULL; $8: a region's id (migration 0020), or NULL: the services in
-- its communes and those in no commune within 5 km of them; $9: limit; $10: offset.
-- Only the page's ids are sorted and skipped; features are built for the page alone.
WITH page AS (
    SELECT s.id, count(*) OVER () AS matched
    FROM service s
    WHERE ($1::float8 IS NULL
           OR (s.geom_3857 && mercator_box($1, $2::float8, $3::float8, $4::float8)
               AND ST_Intersects(s.geom, ST_MakeEnvelope($1, $2::float8, $3::float8, $4::float8, 4326))))
      AND ($5::date IS NULL OR s.last_seen >= $5)
      AND ($6::date IS NULL OR s.first_seen <= $6)
      AND ($7::text IS NULL OR s.category = $7)
      AND ($8::text IS NULL
           OR EXISTS (SELECT 1 FROM commune c
                      WHERE c.country = s.country AND c.code = s.commune_code AND c.region_id = $8)
           OR (s.commune_code IS NULL
               AND EXISTS (SELECT 1 FROM region r WHERE r.id = $8 AND ST_Intersects(r.margin, s.geom))))
    ORDER BY s.id
    LIMIT $9 OFFSET $10
)
SELECT p.matched,
       ogc_service_feature(s)::text AS feature
FROM page p
JOIN service s ON s.id = p.id
ORDER BY s.id
