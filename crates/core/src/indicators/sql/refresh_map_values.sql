-- The map's row of main indicator values (migration 0011) for every commune in value_scope,
-- from indicator_commune_value as commune_main_indicators reads it. Run last, once that table
-- has its key again.
DELETE FROM commune_map_values m
USING (SELECT DISTINCT country, code FROM value_scope) AS v
WHERE m.code = v.code AND m.country = v.country;

INSERT INTO commune_map_values
SELECT v.country, v.code, i.*
FROM (SELECT DISTINCT country, code FROM value_scope) AS v
CROSS JOIN LATERAL commune_main_indicators(v.country, v.code) AS i;
