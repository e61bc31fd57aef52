-- Values of one indicator for every commune ($1 indicator, $2 category or '', $3 year),
-- with their spread over the communes that have a value.
WITH v AS (
    SELECT c.country || '-' || c.code AS commune, c.name, c.name_nl, c.name_fr, i.value, i.no_data, i.sources
    FROM indicator_value i JOIN commune c ON c.country = i.country AND c.code = i.code
    WHERE i.indicator = $1 AND i.category = $2 AND i.year = $3
)
SELECT json_build_object(
    'indicator', $1::text, 'category', nullif($2::text, ''), 'year', nullif($3::int, 0),
    'count', (SELECT count(value) FROM v),
    'no_data', (SELECT count(*) FROM v WHERE value IS NULL),
    'min', (SELECT min(value) FROM v),
    'max', (SELECT max(value) FROM v),
    'median', (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FROM v WHERE value IS NOT NULL),
    'values', coalesce((SELECT json_agg(json_build_object(
        'commune', commune, 'name', name, 'name_nl', name_nl, 'name_fr', name_fr,
        'value', value, 'no_data', no_data, 'sources', sources) ORDER BY commune) FROM v), '[]'::json)
)
