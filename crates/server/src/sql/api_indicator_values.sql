-- Values of one indicator for every commune ($1 indicator, $2 category or '', $3 year) of
-- region $4 (every region when NULL), with their spread over the communes that have a value. Every commune has a row: one
-- that no source of that year covers (a Belgian commune in a French inventory year) gets
-- no value and says why, so a map can draw and count it as "not known here".
WITH v AS (
    SELECT c.country || '-' || c.code AS commune, c.name, c.name_nl, c.name_fr, i.value,
           CASE WHEN i.code IS NOT NULL THEN i.no_data
                WHEN $3::int = 0 THEN 'no value for this commune'
                ELSE 'no ' || $3::int || ' inventory covers this commune' END AS no_data,
           coalesce(i.sources, '{}') AS sources
    FROM commune c
    LEFT JOIN indicator_value i
           ON i.country = c.country AND i.code = c.code
          AND i.indicator = $1 AND i.category = $2 AND i.year = $3
    WHERE $4::text IS NULL OR c.region_id = $4
)
SELECT json_build_object(
    'indicator', $1::text, 'category', nullif($2::text, ''), 'year', nullif($3::int, 0),
    'region', $4::text,
    'count', (SELECT count(value) FROM v),
    'no_data', (SELECT count(*) FROM v WHERE value IS NULL),
    'min', (SELECT min(value) FROM v),
    'max', (SELECT max(value) FROM v),
    'median', (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FROM v WHERE value IS NOT NULL),
    'values', coalesce((SELECT json_agg(json_build_object(
        'commune', commune, 'name', name, 'name_nl', name_nl, 'name_fr', name_fr,
        'value', value, 'no_data', no_data, 'sources', sources) ORDER BY commune) FROM v), '[]'::json)
)
