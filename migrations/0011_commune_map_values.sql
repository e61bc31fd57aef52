-- The main indicator values of each commune (commune_main_indicators, migration 0010),
-- kept as one row per commune by the indicator refresh
-- (crates/core/src/indicators/sql/refresh_map_values.sql). The communes tile layer and
-- export read this row instead of gathering the values from indicator_value for every
-- commune of every tile: that lookup was a third of the cost of building a communes tile.
CREATE TABLE commune_map_values (
    country                    char(2) NOT NULL,
    code                       text NOT NULL,
    nearest_pharmacy_m         float8,
    nearest_hospital_m         float8,
    nearest_rail_station_m     float8,
    nearest_post_office_m      float8,
    nearest_secondary_school_m float8,
    population_change_pct      float8,
    PRIMARY KEY (code, country),
    FOREIGN KEY (country, code) REFERENCES commune (country, code) ON DELETE CASCADE
);

CREATE TRIGGER commune_map_values_advances_tiles
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON commune_map_values
    FOR EACH STATEMENT EXECUTE FUNCTION advance_tile_layer_version('communes');

-- Databases migrated with indicators already computed.
INSERT INTO commune_map_values
SELECT c.country, c.code, i.*
FROM commune c CROSS JOIN LATERAL commune_main_indicators(c.country, c.code) AS i;
