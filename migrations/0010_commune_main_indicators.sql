-- The main indicator values of one commune, as the map shades them and the communes export
-- lists them: distances in whole metres, population change in % to two decimals, NULL where
-- the data cannot support a value. The one definition: the indicator refresh keeps each
-- commune's row of them in commune_map_values (migration 0011), which the communes tile
-- layer, the communes export and the tile benchmark read. A single SELECT in LANGUAGE
-- sql, STABLE: PostgreSQL inlines it into the query that calls it.
CREATE FUNCTION commune_main_indicators(commune_country char(2), commune_code text)
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
    FROM indicator_value
    WHERE country = commune_country AND code = commune_code AND year = 0
      AND indicator IN ('nearest_service_m', 'population_change_pct')
$$;
