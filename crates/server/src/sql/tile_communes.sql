-- The features of one tile of the communes layer: $1 = z, $2 = x, $3 = y. `geom` is the
-- outline (WKB, Web Mercator) from the zoom band's simplified column (see
-- migrations/0007_tile_layers.sql), exact from z11; every other column is a property
-- (src/mvt/rows.rs), left out of the tile where NULL. The main indicator values are added
-- by the server from tile_communes_lookup.sql, keyed by `id`.
-- `data_version` is the layer's data version, read in the same snapshot as the features:
-- what the tile is built from, whichever server of a replicated database answers
-- (src/tiles.rs). With no feature in the tile, the one row has no geometry.
SELECT v.communes AS data_version, f.*
FROM tile_layer_version v
LEFT JOIN LATERAL (
    SELECT ST_AsBinary(CASE WHEN $1 <= 6 THEN c.geom_3857_z6
                            WHEN $1 <= 8 THEN c.geom_3857_z8
                            WHEN $1 <= 10 THEN c.geom_3857_z10
                            ELSE c.geom_3857 END) AS geom,
           c.country || '-' || c.code AS id,
           c.code,
           c.country::text AS country,
           c.name,
           c.name_nl,
           c.name_fr,
           -- the map keeps a region's choropleth to its communes (migration 0020)
           c.region_id AS region,
           c.population,
           c.population_year::integer AS population_year,
           -- rounded in floating point: through numeric, each value was printed and read back
           round(c.area_km2 * 1000) / 1000 AS area_km2,
           CASE WHEN c.population IS NOT NULL AND c.area_km2 > 0
                THEN round(c.population / c.area_km2 * 10) / 10 END AS density
    FROM commune c
    WHERE c.geom_3857 && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)
) f ON true
