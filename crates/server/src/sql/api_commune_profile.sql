-- A commune's profile ($1 country, $2 code): identity, every indicator of year 0 with the
-- means of its arrondissement, its intercommunality (where it has one), its country and
-- its region (migration 0020; the country's mean is over its communes in the region), its
-- rank in the region (1 = highest value), the nearest services of each category, its
-- population series and its services over time.
WITH me AS (SELECT * FROM commune WHERE country = $1 AND code = $2),
-- Every commune's values of year 0, with its arrondissement (a row without a value counts
-- in no mean and no rank). Read once and hashed: matched per indicator instead, the
-- values' key (led by the commune) was scanned whole for each one.
vals AS MATERIALIZED (
    SELECT i.indicator, i.category, i.country, i.value, c.arrondissement_code, c.intercommunality_code
    FROM indicator_value i JOIN commune c ON c.country = i.country AND c.code = i.code
    WHERE i.year = 0 AND i.value IS NOT NULL
      AND c.region_id IS NOT DISTINCT FROM (SELECT region_id FROM me)
),
-- Each of the commune's own values set against every commune's value of the same
-- indicator and category, in one grouped join (a subquery per statistic and indicator
-- scanned every value five times per indicator: 2.8 s for a Westhoek profile, now
-- about 30 ms).
stats AS (
    SELECT m.indicator, m.category, m.value, m.no_data, m.sources,
           avg(a.value) FILTER (WHERE a.country = me.country AND a.arrondissement_code = me.arrondissement_code) AS arrondissement_mean,
           avg(a.value) FILTER (WHERE a.country = me.country AND a.intercommunality_code = me.intercommunality_code) AS intercommunality_mean,
           avg(a.value) FILTER (WHERE a.country = me.country) AS country_mean,
           avg(a.value) AS region_mean,
           CASE WHEN m.value IS NOT NULL THEN count(*) FILTER (WHERE a.value > m.value) + 1 END AS rank,
           count(a.value) AS ranked
    FROM me
    JOIN indicator_value m ON m.country = $1 AND m.code = $2 AND m.year = 0
    LEFT JOIN vals a ON a.indicator = m.indicator AND a.category = m.category
    GROUP BY m.indicator, m.category, m.value, m.no_data, m.sources
),
nearest AS (
    SELECT DISTINCT ON (a.category, a.scope) a.category, a.scope, a.distance_m, a.origin,
           s.id AS service_id, s.name, s.country, s.commune_code
    FROM access_nearest a
    JOIN access_origin o ON o.id = a.origin
    JOIN service s ON s.id = a.service_id, me
    WHERE o.country = me.country AND o.commune = me.code
    ORDER BY a.category, a.scope, a.distance_m
),
-- The commune's services over time: for each category it has had a service of, the count
-- known to exist on each date a source of that category saw any service of the commune's
-- country (so a closure shows as a fall, not as a missing date).
own AS (
    SELECT s.category, s.first_seen, s.last_seen
    FROM service s, me
    WHERE s.country = me.country AND s.commune_code = me.code
),
dates AS (
    SELECT DISTINCT s.category, d AS on_date
    FROM service s
    JOIN service_provenance p ON p.service_id = s.id
    CROSS JOIN LATERAL unnest(p.seen_on) AS d, me
    WHERE s.country = me.country AND s.category IN (SELECT category FROM own)
),
services_series AS (
    SELECT d.category, d.on_date, 'points' AS form,
           count(o.category) AS count
    FROM dates d
    LEFT JOIN own o ON o.category = d.category AND d.on_date BETWEEN o.first_seen AND o.last_seen
    GROUP BY d.category, d.on_date
    UNION ALL
    -- counts from inventories without points (INSEE BPE), dated on 1 January of their year
    SELECT sc.category, make_date(sc.year, 1, 1), 'counts', sum(sc.count)
    FROM service_count sc, me
    WHERE sc.country = me.country AND sc.code = me.code
    GROUP BY sc.category, sc.year
)
SELECT json_build_object(
    'id', me.country || '-' || me.code, 'country', me.country, 'code', me.code,
    'name', me.name, 'name_nl', me.name_nl, 'name_fr', me.name_fr,
    'arrondissement', json_build_object('code', me.arrondissement_code, 'nl', me.arrondissement_nl, 'fr', me.arrondissement_fr),
    'intercommunality', CASE WHEN me.intercommunality_code IS NOT NULL THEN
        json_build_object('code', me.intercommunality_code, 'name', me.intercommunality_name) END,
    'region', me.region_id,
    'population', me.population, 'population_year', me.population_year, 'area_km2', me.area_km2,
    'bbox', json_build_array(ST_XMin(me.geom), ST_YMin(me.geom), ST_XMax(me.geom), ST_YMax(me.geom)),
    'population_series', coalesce((SELECT json_agg(json_build_object('year', p.year, 'population', p.population) ORDER BY p.year)
                                   FROM commune_population p WHERE p.country = me.country AND p.code = me.code), '[]'::json),
    'services_series', coalesce((SELECT json_agg(json_build_object('category', category, 'date', on_date, 'form', form, 'count', count)
                                 ORDER BY category, form, on_date) FROM services_series), '[]'::json),
    'indicators', coalesce((SELECT json_agg(json_build_object(
        'indicator', indicator, 'category', nullif(category, ''), 'value', value, 'no_data', no_data,
        'sources', sources, 'arrondissement_mean', arrondissement_mean,
        'intercommunality_mean', intercommunality_mean, 'country_mean', country_mean,
        'region_mean', region_mean, 'rank', rank, 'ranked', ranked) ORDER BY indicator, category) FROM stats), '[]'::json),
    'nearest', coalesce((SELECT json_agg(json_build_object(
        'category', category, 'scope', scope, 'distance_m', distance_m, 'from', origin,
        'service', json_build_object('id', service_id, 'name', name, 'country', country,
                                     'commune', CASE WHEN commune_code IS NOT NULL THEN country || '-' || commune_code END))
        ORDER BY category, scope) FROM nearest), '[]'::json)
)
FROM me
