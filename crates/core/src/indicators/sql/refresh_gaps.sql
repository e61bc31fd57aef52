-- The reasons there is no value that hold for every commune of a country within a
-- region (migrations 0015 and 0020), for the categories in value_scope; the per-commune
-- statements (refresh_values.sql) leave these pairs out. Recomputed whole for each category: they depend on which sources
-- cover which side of the border and on the population years, never on one commune.

DELETE FROM indicator_gap g
WHERE g.category IN (SELECT DISTINCT category FROM value_scope)
  AND g.indicator IN ('service_count', 'service_presence', 'services_per_1000',
                      'nearest_service_m', 'nearest_service_national_m');

-- A category no source of the region locates on a side of the border: neither a count nor
-- a distance there (a distance to the other country's services, or to another region's,
-- would pretend the home side has none). The cross-border distance still names the
-- sources that cover the category on the other side, in the region.
INSERT INTO indicator_gap (indicator, region, country, category, no_data, sources, detail)
SELECT indicator.name, home.region, home.country, k.category,
       'no source gives ' || k.category || ' locations in ' || home.country,
       CASE WHEN indicator.name = 'nearest_service_m' THEN coalesce(everywhere.sources, '{}') ELSE '{}' END,
       CASE WHEN indicator.name LIKE 'nearest_service%' THEN jsonb_build_object('origins', 0) END
FROM (SELECT DISTINCT category FROM value_scope) AS k
CROSS JOIN (SELECT DISTINCT coalesce(region_id, '') AS region, country FROM commune) AS home
CROSS JOIN (VALUES ('service_count'), ('service_presence'), ('services_per_1000'),
                   ('nearest_service_m'), ('nearest_service_national_m')) AS indicator(name)
LEFT JOIN covered_either_side everywhere ON everywhere.category = k.category AND everywhere.region = home.region
WHERE NOT EXISTS (SELECT 1 FROM covered_points cp
                  WHERE cp.category = k.category AND cp.country = home.country AND cp.region = home.region);

-- An inventory year for which the data has no population in that country: no figure per
-- 1,000 inhabitants for any of its communes.
INSERT INTO indicator_gap (indicator, region, country, category, year, no_data, sources)
SELECT 'services_per_1000', y.region, y.country, y.category, y.year,
       'no population for ' || y.year || ' in the data', y.sources
FROM (SELECT sc.region, sc.country, k.category, k.year, array_agg(k.source_id ORDER BY k.source_id) AS sources
      FROM (SELECT DISTINCT source_id, category, year FROM service_count
            WHERE category IN (SELECT category FROM value_scope)) AS k
      JOIN coverage sc USING (source_id)
      GROUP BY sc.region, sc.country, k.category, k.year) AS y
WHERE NOT EXISTS (SELECT 1 FROM commune_population q WHERE q.country = y.country AND q.year = y.year)
  AND EXISTS (SELECT 1 FROM commune c WHERE c.country = y.country AND coalesce(c.region_id, '') = y.region);
