-- Every indicator's definition, with the categories and inventory years it has values
-- or reasons for (a map offers those to choose from; year 0, "latest", is always there).
WITH dims AS (
    SELECT indicator,
           array_agg(DISTINCT category ORDER BY category) FILTER (WHERE category <> '') AS categories,
           array_agg(DISTINCT year ORDER BY year) FILTER (WHERE year <> 0) AS years
    FROM (SELECT DISTINCT indicator, category, year FROM indicator_commune_value_all
          UNION
          SELECT DISTINCT indicator, category, year FROM indicator_gap) AS d
    GROUP BY indicator
)
SELECT json_agg(json_build_object(
    'id', i.id, 'name', json_build_object('nl', i.name_nl, 'fr', i.name_fr, 'en', i.name_en),
    'definition', json_build_object('nl', i.definition_nl, 'fr', i.definition_fr, 'en', i.definition_en),
    'unit', i.unit, 'per_category', i.per_category,
    'categories', coalesce(to_json(d.categories), '[]'::json),
    'years', coalesce(to_json(d.years), '[]'::json),
    'sources', i.sources, 'reference', i.reference,
    'licence', i.licence, 'method', i.method) ORDER BY i.id)
FROM indicator i
LEFT JOIN dims d ON d.indicator = i.id
