-- One page of the OGC API `communes` collection, in a stable order (country, code), with
-- the number of communes the filter matches on every row.
-- $1..$4: bbox (min lon, min lat, max lon, max lat, CRS84), all NULL for no bbox;
-- $5: a region's id (migration 0020): its communes, or NULL; $6: limit; $7: offset.
-- Only the page's keys are sorted and skipped; features are built for the page alone.
WITH page AS (
    SELECT c.country, c.code, count(*) OVER () AS matched
    FROM commune c
    WHERE ($1::float8 IS NULL
           OR ST_Intersects(c.geom, ST_MakeEnvelope($1, $2::float8, $3::float8, $4::float8, 4326)))
      AND ($5::text IS NULL OR c.region_id = $5)
    ORDER BY c.country, c.code
    LIMIT $6 OFFSET $7
)
SELECT p.matched,
       ogc_commune_feature(c)::text AS feature
FROM page p
JOIN commune c ON c.country = p.country AND c.code = p.code
ORDER BY c.country, c.code
