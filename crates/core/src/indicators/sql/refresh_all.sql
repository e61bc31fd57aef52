-- Full recompute of every indicator, in the caller's transaction.

-- Which side of the border each category's locations are known on.
CREATE TEMP TABLE IF NOT EXISTS covered_points (category text, country char(2), sources text[]) ON COMMIT DROP;
TRUNCATE covered_points;
INSERT INTO covered_points
SELECT category, country, array_agg(DISTINCT source_id ORDER BY source_id)
FROM service_coverage WHERE form = 'points' GROUP BY category, country;

DELETE FROM access_nearest;
INSERT INTO access_nearest (origin, category, scope, service_id, distance_m)
SELECT o.id, c.category, 'any', n.id, n.distance
FROM access_origin o
-- only where the home side is covered: elsewhere the indicator has no value anyway
JOIN covered_points c ON c.country = o.country
CROSS JOIN LATERAL (
    SELECT s.id, ST_Distance(s.geom::geography, o.geom::geography) AS distance
    FROM service s
    WHERE s.category = c.category AND NOT s.closure_candidate
    ORDER BY s.geom::geography <-> o.geom::geography
    LIMIT 1
) AS n;
INSERT INTO access_nearest (origin, category, scope, service_id, distance_m)
SELECT o.id, c.category, 'national', n.id, n.distance
FROM access_origin o
JOIN covered_points c ON c.country = o.country
CROSS JOIN LATERAL (
    SELECT s.id, ST_Distance(s.geom::geography, o.geom::geography) AS distance
    FROM service s
    WHERE s.category = c.category AND NOT s.closure_candidate AND s.country = o.country
    ORDER BY s.geom::geography <-> o.geom::geography
    LIMIT 1
) AS n;

DELETE FROM indicator_value;

-- Counts from points, where a source covers the category on the commune's side.
INSERT INTO indicator_value (indicator, country, code, category, year, value, no_data, sources)
SELECT 'service_count', c.country, c.code, k.id, 0,
       CASE WHEN cp.category IS NOT NULL THEN coalesce(n.count, 0) END,
       CASE WHEN cp.category IS NULL THEN 'no source gives ' || k.id || ' locations in ' || c.country END,
       coalesce(cp.sources, '{}')
FROM commune c
CROSS JOIN service_category k
LEFT JOIN covered_points cp ON cp.category = k.id AND cp.country = c.country
LEFT JOIN (
    SELECT country, commune_code, category, count(*) AS count
    FROM service WHERE NOT closure_candidate AND commune_code IS NOT NULL
    GROUP BY 1, 2, 3
) AS n ON n.country = c.country AND n.commune_code = c.code AND n.category = k.id;

-- Counts per commune and year from inventories (BPE): a commune missing from a year's
-- file had none of the types that year's file counts.
INSERT INTO indicator_value (indicator, country, code, category, year, value, sources)
SELECT 'service_count', c.country, c.code, y.category, y.year, coalesce(n.count, 0), y.sources
FROM (SELECT sc.country, category, year, array_agg(DISTINCT source_id) AS sources
      FROM service_count JOIN source_coverage sc USING (source_id)
      GROUP BY sc.country, category, year) AS y
JOIN commune c ON c.country = y.country
LEFT JOIN (SELECT country, code, category, year, sum(count) AS count FROM service_count GROUP BY 1, 2, 3, 4) AS n
       ON n.country = c.country AND n.code = c.code AND n.category = y.category AND n.year = y.year;

INSERT INTO indicator_value (indicator, country, code, category, year, value, no_data, sources)
SELECT 'services_per_1000', v.country, v.code, v.category, v.year,
       CASE WHEN v.value IS NOT NULL AND p.population > 0 THEN v.value * 1000.0 / p.population END,
       CASE WHEN v.value IS NULL THEN v.no_data
            WHEN p.population IS NULL THEN 'no population for ' || CASE WHEN v.year = 0 THEN 'this commune' ELSE v.year::text END || ' in the data'
            WHEN p.population = 0 THEN 'no inhabitants' END,
       v.sources || coalesce(p.sources, '{}')
FROM indicator_value v
JOIN commune c ON c.country = v.country AND c.code = v.code
LEFT JOIN (
    SELECT country, code, year, population, ARRAY[source_id] AS sources
    FROM commune_population WHERE covers = ARRAY[code]
) AS p ON p.country = v.country AND p.code = v.code AND p.year = CASE WHEN v.year = 0 THEN c.population_year ELSE v.year END
WHERE v.indicator = 'service_count';

INSERT INTO indicator_value (indicator, country, code, category, year, value, no_data, sources)
SELECT 'service_presence', country, code, category, year,
       CASE WHEN value IS NOT NULL THEN (value > 0)::int END, no_data, sources
FROM indicator_value WHERE indicator = 'service_count';

-- Distances: the mean over the commune's origins; no value where the home side is not covered.
INSERT INTO indicator_value (indicator, country, code, category, year, value, no_data, sources, detail)
SELECT CASE WHEN scope.name = 'any' THEN 'nearest_service_m' ELSE 'nearest_service_national_m' END,
       c.country, c.code, k.id, 0,
       CASE WHEN cp.category IS NOT NULL THEN d.mean END,
       CASE WHEN cp.category IS NULL THEN 'no source gives ' || k.id || ' locations in ' || c.country
            WHEN d.mean IS NULL THEN 'no ' || k.id || ' found' END,
       CASE WHEN scope.name = 'any' THEN coalesce(everywhere.sources, '{}') ELSE coalesce(cp.sources, '{}') END,
       jsonb_build_object('origins', coalesce(d.origins, 0))
FROM commune c
CROSS JOIN service_category k
CROSS JOIN (VALUES ('any'), ('national')) AS scope(name)
LEFT JOIN covered_points cp ON cp.category = k.id AND cp.country = c.country
LEFT JOIN (
    SELECT x.category, array_agg(DISTINCT s ORDER BY s) AS sources
    FROM covered_points x, unnest(x.sources) AS s GROUP BY x.category
) AS everywhere ON everywhere.category = k.id
LEFT JOIN (
    SELECT o.country, o.commune, a.category, a.scope, avg(a.distance_m) AS mean, count(*) AS origins
    FROM access_nearest a JOIN access_origin o ON o.id = a.origin
    GROUP BY 1, 2, 3, 4
) AS d ON d.country = c.country AND d.commune = c.code AND d.category = k.id AND d.scope = scope.name;

INSERT INTO indicator_value (indicator, country, code, value, no_data, sources, detail)
SELECT 'population_change_pct', c.country, c.code,
       CASE WHEN f.population > 0 AND l.year > f.year THEN (l.population - f.population) * 100.0 / f.population END,
       CASE WHEN f.population IS NULL OR l.year = f.year THEN 'fewer than two years of population for this territory' END,
       ARRAY[coalesce(l.source_id, '')]::text[],
       jsonb_build_object('from', f.year, 'to', l.year)
FROM commune c
LEFT JOIN LATERAL (SELECT year, population, source_id FROM commune_population p
                   WHERE p.country = c.country AND p.code = c.code AND p.covers = ARRAY[p.code] ORDER BY year LIMIT 1) AS f ON true
LEFT JOIN LATERAL (SELECT year, population, source_id FROM commune_population p
                   WHERE p.country = c.country AND p.code = c.code AND p.covers = ARRAY[p.code] ORDER BY year DESC LIMIT 1) AS l ON true;
