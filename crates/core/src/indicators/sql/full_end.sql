-- The keys full_begin.sql dropped from indicator_commune_value, as migrations 0003, 0006,
-- 0009 and 0015 define them: adding them checks every row written by the refresh.
ALTER TABLE indicator_commune_value
    ADD CONSTRAINT indicator_commune_value_pkey PRIMARY KEY (code, indicator, category, year, country),
    ADD CONSTRAINT indicator_commune_value_indicator_fk FOREIGN KEY (indicator) REFERENCES indicator (id) ON DELETE CASCADE,
    ADD CONSTRAINT indicator_commune_value_commune_fk FOREIGN KEY (country, code) REFERENCES commune (country, code) ON DELETE CASCADE;
