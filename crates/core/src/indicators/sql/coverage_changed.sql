-- Whether the services of category $1 are now known from other sources, or on other sides
-- of the border, than the stored values say. Each country's values of a category rest on
-- the same sources (prepare.sql's covered_points): a country's gap ("no source gives",
-- migration 0015) says none covers it, any one of its communes' counts says which do.
-- True when a country has points of the category and a gap, has neither, or has points
-- from sources its counts do not list. Read after prepare.sql filled covered_points.
SELECT EXISTS (
    SELECT 1
    FROM (SELECT DISTINCT country FROM commune) AS home
    LEFT JOIN covered_points cp ON cp.category = $1 AND cp.country = home.country
    WHERE (cp.country IS NOT NULL) = EXISTS (
              SELECT 1 FROM indicator_gap g
              WHERE g.indicator = 'service_count' AND g.category = $1 AND g.year = 0
                AND g.country = home.country)
       OR cp.sources IS DISTINCT FROM (
              -- the country's first commune, through the values' key (led by the commune)
              SELECT v.sources FROM indicator_commune_value v
              WHERE v.code = (SELECT min(c.code) FROM commune c WHERE c.country = home.country)
                AND v.indicator = 'service_count' AND v.category = $1 AND v.year = 0
                AND v.country = home.country)
);
