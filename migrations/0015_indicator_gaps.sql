-- "No data" that holds for every commune of a country is stored once per country instead
-- of once per commune: a category no source locates on that side of the border, an
-- inventory year with no population for that country, the shares beyond walking and
-- cycling reach (no population below the commune level anywhere). These were 73,062 of
-- the 140,418 rows a Westhoek refresh wrote, each rewritten, keyed and checked by every
-- full refresh.
--
-- indicator_value keeps its name and its rows for every reader: it becomes a view of the
-- values and reasons per commune (indicator_commune_value, the former table) and of these
-- gaps, expanded to the communes of their country. The refresh writes both tables so that
-- no key is in both (tests/integration/indicators.rs checks it).
ALTER TABLE indicator_value RENAME TO indicator_commune_value;
ALTER TABLE indicator_commune_value RENAME CONSTRAINT indicator_value_pkey TO indicator_commune_value_pkey;
ALTER TABLE indicator_commune_value RENAME CONSTRAINT indicator_value_indicator_fk TO indicator_commune_value_indicator_fk;
ALTER TABLE indicator_commune_value RENAME CONSTRAINT indicator_value_commune_fk TO indicator_commune_value_commune_fk;
ALTER TABLE indicator_commune_value RENAME CONSTRAINT indicator_value_check TO indicator_commune_value_check;
ALTER TRIGGER indicator_value_advances_tiles ON indicator_commune_value RENAME TO indicator_commune_value_advances_tiles;

CREATE TABLE indicator_gap (
    indicator text NOT NULL REFERENCES indicator (id) ON DELETE CASCADE,
    country   char(2) NOT NULL,
    category  text NOT NULL DEFAULT '',
    year      smallint NOT NULL DEFAULT 0,
    no_data   text NOT NULL,
    sources   text[] NOT NULL DEFAULT '{}',
    detail    jsonb,
    PRIMARY KEY (indicator, category, year, country)
);

CREATE TRIGGER indicator_gap_advances_tiles
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON indicator_gap
    FOR EACH STATEMENT EXECUTE FUNCTION advance_tile_layer_version('communes');

CREATE VIEW indicator_value AS
SELECT indicator, country, code, category, year, value, no_data, sources, detail
FROM indicator_commune_value
UNION ALL
SELECT g.indicator, c.country, c.code, g.category, g.year, NULL::float8, g.no_data, g.sources, g.detail
FROM indicator_gap g
JOIN commune c ON c.country = g.country;

-- The map's values are values, never gaps: read the per-commune table alone.
CREATE OR REPLACE FUNCTION commune_main_indicators(commune_country char(2), commune_code text)
RETURNS TABLE (
    nearest_pharmacy_m         float8,
    nearest_hospital_m         float8,
    nearest_rail_station_m     float8,
    nearest_post_office_m      float8,
    nearest_secondary_school_m float8,
    population_change_pct      float8
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT round(max(value) FILTER (WHERE indicator = 'nearest_service_m' AND category = 'pharmacy'))::float8,
           round(max(value) FILTER (WHERE indicator = 'nearest_service_m' AND category = 'hospital'))::float8,
           round(max(value) FILTER (WHERE indicator = 'nearest_service_m' AND category = 'rail_station'))::float8,
           round(max(value) FILTER (WHERE indicator = 'nearest_service_m' AND category = 'post_office'))::float8,
           round(max(value) FILTER (WHERE indicator = 'nearest_service_m' AND category = 'secondary_school'))::float8,
           round(max(value) FILTER (WHERE indicator = 'population_change_pct')::numeric, 2)::float8
    FROM indicator_commune_value
    WHERE country = commune_country AND code = commune_code AND year = 0
      AND indicator IN ('nearest_service_m', 'population_change_pct')
$$;

-- Databases migrated with indicators already computed: their per-commune rows stay until
-- the next refresh moves the gaps here; the view shows them as before meanwhile.
