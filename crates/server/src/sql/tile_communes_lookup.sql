-- The main indicator values of each commune, so the map can shade them without another
-- request, keyed by the communes tile query's `id` (src/mvt/rows.rs); absent where the
-- data cannot support a value (migration 0011). Read again for every version of the
-- layer's data (a change of commune_map_values advances it).
SELECT m.country || '-' || m.code AS id,
       m.nearest_pharmacy_m,
       m.nearest_hospital_m,
       m.nearest_rail_station_m,
       m.nearest_post_office_m,
       m.nearest_secondary_school_m,
       m.population_change_pct
FROM commune_map_values m
