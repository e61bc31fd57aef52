-- The main indicator values of each commune, so the map can shade them without another
-- request, keyed by the communes tile query's `id` (src/mvt/rows.rs); absent where the
-- data cannot support a value (migration 0011). Read again for every version of the
-- layer's data (a change of commune_map_values advances it).
-- `data_version` is the layer's data version, read in the same snapshot as the values
-- (src/tiles.rs).
SELECT v.communes AS data_version, f.*
FROM tile_layer_version v
LEFT JOIN LATERAL (
    SELECT m.country || '-' || m.code AS id,
           m.nearest_pharmacy_m,
           m.nearest_hospital_m,
           m.nearest_rail_station_m,
           m.nearest_post_office_m,
           m.nearest_secondary_school_m,
           m.population_change_pct
    FROM commune_map_values m
) f ON true
