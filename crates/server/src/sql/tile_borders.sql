-- The features of one tile of the borders layer: $1 = z, $2 = x, $3 = y. The national
-- border, and the outlines of arrondissements and intercommunalities (WKB, Web Mercator),
-- simplified per zoom band (see migrations/0007_tile_layers.sql), exact from z11; every
-- column but `geom` is a property (src/mvt/rows.rs), left out of the tile where NULL.
-- `data_version` is the layer's data version, read in the same snapshot as the features:
-- what the tile is built from, whichever server of a replicated database answers
-- (src/tiles.rs). With no feature in the tile, the one row has no geometry.
SELECT v.borders AS data_version, f.*
FROM tile_layer_version v
LEFT JOIN LATERAL (
    SELECT ST_AsBinary(CASE WHEN $1 <= 6 THEN n.geom_3857_z6
                            WHEN $1 <= 8 THEN n.geom_3857_z8
                            WHEN $1 <= 10 THEN n.geom_3857_z10
                            ELSE n.geom_3857 END) AS geom,
           'national' AS kind, n.countries, NULL::text AS country, NULL::text AS code,
           NULL::text AS name_nl, NULL::text AS name_fr
    FROM national_border n
    WHERE n.geom_3857 && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)
    UNION ALL
    SELECT ST_AsBinary(CASE WHEN $1 <= 6 THEN a.geom_3857_z6
                            WHEN $1 <= 8 THEN a.geom_3857_z8
                            WHEN $1 <= 10 THEN a.geom_3857_z10
                            ELSE a.geom_3857 END),
           a.kind, NULL, a.country::text, a.code, a.name_nl, a.name_fr
    FROM admin_boundary a
    WHERE a.geom_3857 && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)
) f ON true
