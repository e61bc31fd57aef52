-- Services per 1,000 inhabitants are the count set against the commune's population: they
-- are now derived where the values are read, from the count's row and the population
-- table, as presence is (migration 0025). Written as rows of their own, they were a
-- large share of the rows a refresh writes (3,429 of the Westhoek's 48,375; 497,000 of the
-- national 2.1 million), each keyed and checked again by every full refresh.
--
-- The figure, its reasons and its sources are those the refresh wrote
-- (indicators/sql/refresh_values.sql before this migration): the count per 1,000 of the
-- population of the count's year (for the counts of points, year 0, the commune's
-- population year), from the population rows that cover the commune alone; a count of an
-- inventory year for which the commune's country has no population at all has no figure
-- here (a gap: refresh_gaps.sql says it once per country).
DELETE FROM indicator_commune_value WHERE indicator = 'services_per_1000';

CREATE OR REPLACE VIEW indicator_commune_value_all AS
SELECT indicator, country, code, category, year, value, no_data, sources, detail
FROM indicator_commune_value
UNION ALL
SELECT 'service_presence', country, code, category, year, (value > 0)::int::float8, no_data, sources, detail
FROM indicator_commune_value
WHERE indicator = 'service_count'
UNION ALL
SELECT 'services_per_1000', n.country, n.code, n.category, n.year,
       CASE WHEN p.population > 0 THEN n.value * 1000.0 / p.population END,
       CASE WHEN p.population IS NULL
                THEN 'no population for ' || CASE WHEN n.year = 0 THEN 'this commune' ELSE n.year::text END || ' in the data'
            WHEN p.population = 0 THEN 'no inhabitants' END,
       n.sources || CASE WHEN p.source_id IS NULL THEN '{}'::text[] ELSE ARRAY[p.source_id] END,
       NULL::jsonb
FROM indicator_commune_value n
JOIN commune c ON c.country = n.country AND c.code = n.code
LEFT JOIN commune_population p
       ON p.country = n.country AND p.code = n.code AND p.covers = ARRAY[p.code]
      AND p.year = CASE WHEN n.year = 0 THEN c.population_year ELSE n.year END
WHERE n.indicator = 'service_count'
  AND (n.year = 0 OR EXISTS (SELECT 1 FROM commune_population q WHERE q.country = n.country AND q.year = n.year));

-- The map's main values of each commune (migration 0011) are computed by the refresh for
-- all the communes in scope at once (indicators/sql/refresh_map_values.sql, now their one
-- definition), not by a call of this function per commune: 35,500 calls took 2.2 s of a
-- national refresh.
DROP FUNCTION commune_main_indicators(char(2), text);
