-- Whether the services of category $1 are now known from other sources, or on other sides
-- of the border, than the stored values say. Each country's values of a category within
-- a region rest on the same sources (prepare.sql's covered_points): its gap ("no source
-- gives", migrations 0015 and 0020) says none covers it, any one of its communes' counts
-- says which do. True when a country of a region has points of the category and a gap,
-- has neither, or has points from sources its counts do not list. Read after prepare.sql
-- filled covered_points.
SELECT EXISTS (
    SELECT 1
    FROM (SELECT DISTINCT coalesce(region_id, '') AS region, country FROM commune) AS home
    LEFT JOIN covered_points cp ON cp.category = $1 AND cp.country = home.country AND cp.region = home.region
    WHERE (cp.country IS NOT NULL) = EXISTS (
              SELECT 1 FROM indicator_gap g
              WHERE g.indicator = 'service_count' AND g.category = $1 AND g.year = 0
                AND g.country = home.country AND g.region = home.region)
       OR cp.sources IS DISTINCT FROM (
              -- the first commune of the country in the region, through the values' key
              -- (led by the commune)
              SELECT v.sources FROM indicator_commune_value v
              WHERE v.code = (SELECT min(c.code) FROM commune c
                              WHERE c.country = home.country AND coalesce(c.region_id, '') = home.region)
                AND v.indicator = 'service_count' AND v.category = $1 AND v.year = 0
                AND v.country = home.country)
);
