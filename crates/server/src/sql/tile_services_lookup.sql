-- The properties of the services layer that follow from a service's category, keyed by
-- the tile query's `category` column (src/mvt/rows.rs); read again for every version of
-- the layer's data (a change of service_category advances it, migration 0007).
-- `data_version` is the layer's data version, read in the same snapshot as the values
-- (src/tiles.rs).
SELECT v.services AS data_version, f.*
FROM tile_layer_version v
LEFT JOIN LATERAL (
    SELECT sc.id AS category,
           sc.group_id AS "group",
           sc.label_nl,
           sc.label_fr,
           sc.label_en
    FROM service_category sc
) f ON true
