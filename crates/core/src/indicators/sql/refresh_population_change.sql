-- Population change of every commune (services do not touch it). Run by a full refresh
-- only, into the table scope_all.sql emptied.
INSERT INTO indicator_commune_value (indicator, country, code, value, no_data, sources, detail)
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
