-- The keys full_begin.sql dropped from indicator_commune_value, as migrations 0003, 0006,
-- 0009 and 0015 define them: adding them checks every row written by the refresh.
ALTER TABLE indicator_commune_value
    ADD CONSTRAINT indicator_commune_value_pkey PRIMARY KEY (code, indicator, category, year, country),
    ADD CONSTRAINT indicator_commune_value_indicator_fk FOREIGN KEY (indicator) REFERENCES indicator (id) ON DELETE CASCADE,
    ADD CONSTRAINT indicator_commune_value_commune_fk FOREIGN KEY (country, code) REFERENCES commune (country, code) ON DELETE CASCADE;
-- and from commune_map_values, as migration 0011 defines it: checking the 35,500 rows of a
-- national refresh one by one took 1.2 s, one join takes a few milliseconds.
ALTER TABLE commune_map_values
    ADD CONSTRAINT commune_map_values_country_code_fkey FOREIGN KEY (country, code) REFERENCES commune (country, code) ON DELETE CASCADE;
