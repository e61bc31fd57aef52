-- The map's row of main indicator values (migration 0011) for every commune in value_scope,
-- as the map shades them and the communes export lists them: distances in whole metres,
-- population change in % to two decimals, NULL where the data cannot support a value
-- (the map shows values, never gaps: read the per-commune table alone). Their one
-- definition; the communes tile layer and export read the rows. Run after the values: a
-- scoped refresh finds a commune's rows by their key, the full one reads the table once
-- (before full_end.sql adds the keys back: scope_all.sql emptied this table and
-- full_begin.sql set its key to the communes aside).
DELETE FROM commune_map_values m
USING (SELECT DISTINCT country, code FROM value_scope) AS v
WHERE m.code = v.code AND m.country = v.country;

INSERT INTO commune_map_values (country, code, nearest_pharmacy_m, nearest_hospital_m,
                                nearest_rail_station_m, nearest_post_office_m,
                                nearest_secondary_school_m, population_change_pct)
SELECT v.country, v.code,
       round(max(i.value) FILTER (WHERE i.indicator = 'nearest_service_m' AND i.category = 'pharmacy'))::float8,
       round(max(i.value) FILTER (WHERE i.indicator = 'nearest_service_m' AND i.category = 'hospital'))::float8,
       round(max(i.value) FILTER (WHERE i.indicator = 'nearest_service_m' AND i.category = 'rail_station'))::float8,
       round(max(i.value) FILTER (WHERE i.indicator = 'nearest_service_m' AND i.category = 'post_office'))::float8,
       round(max(i.value) FILTER (WHERE i.indicator = 'nearest_service_m' AND i.category = 'secondary_school'))::float8,
       round(max(i.value) FILTER (WHERE i.indicator = 'population_change_pct')::numeric, 2)::float8
FROM (SELECT DISTINCT country, code FROM value_scope) AS v
LEFT JOIN indicator_commune_value i
       ON i.country = v.country AND i.code = v.code AND i.year = 0
      AND i.indicator IN ('nearest_service_m', 'population_change_pct')
GROUP BY v.country, v.code;
