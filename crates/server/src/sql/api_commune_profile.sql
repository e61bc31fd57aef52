-- A commune's profile ($1 country, $2 code): identity, every indicator of year 0 with the
-- means of its arrondissement, its country and the region, its rank in the region
-- (1 = highest value), and the nearest services of each category.
WITH me AS (SELECT * FROM commune WHERE country = $1 AND code = $2),
vals AS (
    SELECT i.*, c.arrondissement_code
    FROM indicator_value i JOIN commune c ON c.country = i.country AND c.code = i.code
    WHERE i.year = 0
),
stats AS (
    SELECT v.indicator, v.category, v.value, v.no_data, v.sources,
           (SELECT avg(a.value) FROM vals a WHERE a.indicator = v.indicator AND a.category = v.category
                AND a.country = v.country AND a.arrondissement_code = v.arrondissement_code) AS arrondissement_mean,
           (SELECT avg(a.value) FROM vals a WHERE a.indicator = v.indicator AND a.category = v.category
                AND a.country = v.country) AS country_mean,
           (SELECT avg(a.value) FROM vals a WHERE a.indicator = v.indicator AND a.category = v.category) AS region_mean,
           CASE WHEN v.value IS NOT NULL THEN
               (SELECT count(*) + 1 FROM vals a WHERE a.indicator = v.indicator AND a.category = v.category AND a.value > v.value) END AS rank,
           (SELECT count(a.value) FROM vals a WHERE a.indicator = v.indicator AND a.category = v.category) AS ranked
    FROM vals v, me
    WHERE v.country = me.country AND v.code = me.code
),
nearest AS (
    SELECT DISTINCT ON (a.category, a.scope) a.category, a.scope, a.distance_m, a.origin,
           s.id AS service_id, s.name, s.country, s.commune_code
    FROM access_nearest a
    JOIN access_origin o ON o.id = a.origin
    JOIN service s ON s.id = a.service_id, me
    WHERE o.country = me.country AND o.commune = me.code
    ORDER BY a.category, a.scope, a.distance_m
)
SELECT json_build_object(
    'id', me.country || '-' || me.code, 'country', me.country, 'code', me.code,
    'name', me.name, 'name_nl', me.name_nl, 'name_fr', me.name_fr,
    'arrondissement', json_build_object('code', me.arrondissement_code, 'nl', me.arrondissement_nl, 'fr', me.arrondissement_fr),
    'intercommunality', CASE WHEN me.intercommunality_code IS NOT NULL THEN
        json_build_object('code', me.intercommunality_code, 'name', me.intercommunality_name) END,
    'population', me.population, 'population_year', me.population_year, 'area_km2', me.area_km2,
    'indicators', coalesce((SELECT json_agg(json_build_object(
        'indicator', indicator, 'category', nullif(category, ''), 'value', value, 'no_data', no_data,
        'sources', sources, 'arrondissement_mean', arrondissement_mean, 'country_mean', country_mean,
        'region_mean', region_mean, 'rank', rank, 'ranked', ranked) ORDER BY indicator, category) FROM stats), '[]'::json),
    'nearest', coalesce((SELECT json_agg(json_build_object(
        'category', category, 'scope', scope, 'distance_m', distance_m, 'from', origin,
        'service', json_build_object('id', service_id, 'name', name, 'country', country,
                                     'commune', CASE WHEN commune_code IS NOT NULL THEN country || '-' || commune_code END))
        ORDER BY category, scope) FROM nearest), '[]'::json)
)
FROM me
