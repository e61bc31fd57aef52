-- Whether the services of category $1 now cover a different set of countries than the
-- stored gaps say (migration 0015): true when a country has points of the category and a
-- "no source gives" gap, or has neither. Read after prepare.sql filled covered_points.
SELECT EXISTS (
    SELECT 1
    FROM (SELECT DISTINCT country FROM commune) AS home
    WHERE EXISTS (SELECT 1 FROM covered_points cp WHERE cp.category = $1 AND cp.country = home.country)
        = EXISTS (SELECT 1 FROM indicator_gap g
                  WHERE g.indicator = 'service_count' AND g.category = $1 AND g.year = 0
                    AND g.country = home.country)
);
