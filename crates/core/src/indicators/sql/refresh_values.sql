-- Per-category indicator values of the (commune, category) pairs in value_scope.

-- A scoped refresh has deleted the rows replaced here first (clear_scope.sql).

-- Services per (commune, category, year) in scope, written as two indicators by one
-- statement: the count, and the net change between the first and last inventory years
-- (presence and the figure per 1,000 inhabitants are read from the count: migrations 0025
-- and 0027). Counts come from points (year 0) where a source covers the category on the
-- commune's side (elsewhere refresh_gaps.sql says why there is none), and per year from
-- inventories (BPE): a commune missing from a year's file had none of the types that
-- year's file counts. A source counts for the communes of its own region only
-- (prepare.sql's coverage), so one region's inventory says nothing of another's. Every
-- source table is read for the pairs in scope only, so that the refresh after one service
-- changed reads a few rows of each. (The rows of the communes in scope and of the
-- categories in scope: a superset of the pairs, joined to them after grouping. Matching
-- the pairs themselves hashed half a million of them nationally, and every one of the
-- 2.5 million services was probed against that hash.)
WITH counted AS MATERIALIZED (
    SELECT v.country, v.code, v.category, 0::smallint AS year,
           coalesce(n.count, 0)::float8 AS value, cp.sources
    FROM value_scope v
    JOIN covered_points cp ON cp.category = v.category AND cp.country = v.country AND cp.region = v.region
    LEFT JOIN (
        SELECT country, commune_code, category, count(*) AS count
        FROM service
        WHERE NOT closure_candidate
          AND category IN (SELECT DISTINCT category FROM value_scope)
          AND (country, commune_code) IN (SELECT DISTINCT country, code FROM value_scope)
        GROUP BY 1, 2, 3
    ) AS n ON n.country = v.country AND n.commune_code = v.code AND n.category = v.category
    UNION ALL
    SELECT v.country, v.code, y.category, y.year, coalesce(n.count, 0)::float8, y.sources
    FROM (SELECT sc.region, sc.country, k.category, k.year, array_agg(k.source_id ORDER BY k.source_id) AS sources
          -- each source's (category, year) pairs first: a few rows, not one per commune
          FROM (SELECT DISTINCT source_id, category, year FROM service_count
                WHERE category IN (SELECT category FROM value_scope)) AS k
          JOIN coverage sc USING (source_id)
          GROUP BY sc.region, sc.country, k.category, k.year) AS y
    JOIN value_scope v ON v.country = y.country AND v.category = y.category AND v.region = y.region
    LEFT JOIN (SELECT country, code, category, year, sum(count) AS count FROM service_count
               WHERE category IN (SELECT DISTINCT category FROM value_scope)
                 AND (country, code) IN (SELECT DISTINCT country, code FROM value_scope)
               GROUP BY 1, 2, 3, 4) AS n
           ON n.country = v.country AND n.code = v.code AND n.category = y.category AND n.year = y.year
),
counts AS (
    INSERT INTO indicator_commune_value (indicator, country, code, category, year, value, sources)
    SELECT 'service_count', country, code, category, year, value, sources FROM counted
),
-- Inventories counted in two years or more (BPE 2009 and 2013): the net change per
-- category, at the last year.
span AS (
    SELECT category, min(year) AS first_year, max(year) AS last_year
    FROM service_count
    WHERE category IN (SELECT category FROM value_scope)
    GROUP BY category HAVING min(year) < max(year)
)
-- (the commune's count in each of the two years, one row each: a join, not a grouping)
INSERT INTO indicator_commune_value (indicator, country, code, category, year, value, sources, detail)
SELECT 'services_net_change', l.country, l.code, l.category, span.last_year,
       l.value - f.value, f.sources || l.sources,
       jsonb_build_object('from', span.first_year, 'to', span.last_year)
FROM span
JOIN counted f ON f.category = span.category AND f.year = span.first_year
JOIN counted l ON l.country = f.country AND l.code = f.code AND l.category = f.category
              AND l.year = span.last_year;

-- Distances: the mean over the commune's origins, where the home side is covered in the
-- commune's region (elsewhere refresh_gaps.sql says why there is none). The nearest
-- services themselves were searched among every loaded service, of any region.
INSERT INTO indicator_commune_value (indicator, country, code, category, year, value, no_data, sources, detail)
SELECT CASE WHEN scope.name = 'any' THEN 'nearest_service_m' ELSE 'nearest_service_national_m' END,
       v.country, v.code, v.category, 0, d.mean,
       CASE WHEN d.mean IS NULL THEN 'no ' || v.category || ' found' END,
       CASE WHEN scope.name = 'any' THEN coalesce(everywhere.sources, '{}') ELSE cp.sources END,
       jsonb_build_object('origins', coalesce(d.origins, 0))
FROM value_scope v
CROSS JOIN (VALUES ('any'), ('national')) AS scope(name)
JOIN covered_points cp ON cp.category = v.category AND cp.country = v.country AND cp.region = v.region
LEFT JOIN covered_either_side everywhere ON everywhere.category = v.category AND everywhere.region = cp.region
-- The mean is summed exactly (numeric, each distance to 15 digits): a sum of floating-point
-- numbers depends on their order, which the plan decides, and a commune's value would
-- change in its last digits with the refresh that computed it.
LEFT JOIN (
    SELECT o.country, o.commune, a.category, a.scope, avg(a.distance_m::numeric)::float8 AS mean, count(*) AS origins
    FROM access_nearest a JOIN access_origin o ON o.id = a.origin
    WHERE a.category IN (SELECT DISTINCT category FROM value_scope)
      AND (o.country, o.commune) IN (SELECT DISTINCT country, code FROM value_scope)
    GROUP BY 1, 2, 3, 4
) AS d ON d.country = v.country AND d.commune = v.code AND d.category = v.category AND d.scope = scope.name;


-- Snapshot series (La Poste 2016/2020, OpenStreetMap 2022–2026): per commune and
-- category, the services first seen after the series' first date (gained) and last seen
-- before its last date (lost). Year: the series' last year. (The counts are not
-- materialized: as a CTE, the planner could only scan them again for every commune and
-- series, 576,000 rows compared for the Westhoek's 1,359.)
WITH counted AS (
    SELECT p.source_id, s.country, s.commune_code, s.category,
           count(*) FILTER (WHERE p.seen_on[1] > sr.first_date) AS gained,
           count(*) FILTER (WHERE p.seen_on[array_upper(p.seen_on, 1)] < sr.last_date) AS lost
    FROM service_provenance p
    JOIN series sr ON sr.source_id = p.source_id
    JOIN service s ON s.id = p.service_id
    WHERE s.category IN (SELECT DISTINCT category FROM value_scope)
      AND (s.country, s.commune_code) IN (SELECT DISTINCT country, code FROM value_scope)
    GROUP BY 1, 2, 3, 4
),
present AS MATERIALIZED (
    SELECT DISTINCT p.source_id, s.country, s.category
    FROM service_provenance p JOIN series sr ON sr.source_id = p.source_id JOIN service s ON s.id = p.service_id
    WHERE s.country IS NOT NULL AND s.category IN (SELECT category FROM value_scope)
)
-- Several series of one category ending in the same year add up (sources in id order).
INSERT INTO indicator_commune_value (indicator, country, code, category, year, value, sources, detail)
SELECT indicator, country, code, category, year, sum(value), array_agg(source ORDER BY source),
       (array_agg(detail ORDER BY source))[1]
FROM (
    SELECT kind.name AS indicator, v.country, v.code, sc.category, extract(year FROM sr.last_date)::smallint AS year,
           coalesce(n.count, 0) AS value, sr.source_id AS source,
           jsonb_build_object('from', sr.first_date, 'to', sr.last_date, 'source', sr.source_id) AS detail
    FROM series sr
    -- the communes of the countries and categories the series has points in, within the
    -- series' region (every region for a source of none)
    JOIN present AS sc ON sc.source_id = sr.source_id
    JOIN source src ON src.id = sr.source_id
    JOIN value_scope v ON v.country = sc.country AND v.category = sc.category
                      AND (src.region_id IS NULL OR src.region_id = v.region)
    CROSS JOIN (VALUES ('services_gained'), ('services_lost')) AS kind(name)
    LEFT JOIN counted ON counted.source_id = sr.source_id AND counted.country = v.country
                AND counted.commune_code = v.code AND counted.category = sc.category
    CROSS JOIN LATERAL (SELECT CASE kind.name WHEN 'services_gained' THEN counted.gained ELSE counted.lost END AS count) AS n
) AS per_series
GROUP BY 1, 2, 3, 4, 5;
