-- A full refresh rewrites every row of access_nearest, indicator_commune_value and
-- commune_map_values, all derived in this transaction from the rows they refer to:
-- checking their foreign keys row by row and maintaining their indexes row by row cost
-- more than computing them. Keys are dropped here and added back by full_nearest_end.sql
-- and full_end.sql, which check every row at once (one join per key) and build each index
-- in one pass, before the transaction can commit. Nothing in between relies on them.
ALTER TABLE access_nearest
    DROP CONSTRAINT access_nearest_origin_fk,
    DROP CONSTRAINT access_nearest_category_fk,
    DROP CONSTRAINT access_nearest_service_fk,
    DROP CONSTRAINT access_nearest_pkey;
-- (the incremental refresh's reach, migration 0023: built again in one pass too)
DROP INDEX access_nearest_reach_idx;
ALTER TABLE indicator_commune_value
    DROP CONSTRAINT indicator_commune_value_indicator_fk,
    DROP CONSTRAINT indicator_commune_value_commune_fk,
    DROP CONSTRAINT indicator_commune_value_pkey;
ALTER TABLE commune_map_values
    DROP CONSTRAINT commune_map_values_country_code_fkey;
