-- indicator_value keyed commune first. A full refresh rebuilds this key over every row
-- (crates/core/src/indicators/sql/full_end.sql), and a B-tree build compares whole keys
-- where the leading column repeats: with the indicator first (14 values, most sharing
-- their first eight bytes) every comparison went on to the later columns, and a second
-- index by commune was needed besides. With the commune code first (hundreds of values),
-- the one key serves the readers by commune (tiles, exports, profiles, the cascade from
-- commune) and the build takes about a third of the time the two indexes took. The
-- country comes last: a code almost always names one commune, and comparing char(2)
-- values on every tie cost a fifth of the build. Readers of one indicator for every
-- commune probe the key commune by commune.
ALTER TABLE indicator_value
    DROP CONSTRAINT indicator_value_pkey,
    ADD CONSTRAINT indicator_value_pkey PRIMARY KEY (code, indicator, category, year, country);
DROP INDEX indicator_value_commune_idx;
