-- The features of one tile of the services layer: $1 = z, $2 = x, $3 = y, $4 = a date or
-- NULL. With a date, only the services known to exist on it (first to last sighting).
-- `geom` is the point (WKB, Web Mercator), `id` the feature id; every other column is a
-- property (src/mvt/rows.rs), left out of the tile where NULL. The category's group and
-- labels are added by the server from tile_services_lookup.sql.
-- `data_version` is the layer's data version, read in the same snapshot as the features:
-- what the tile is built from, whichever server of a replicated database answers
-- (src/tiles.rs). With no feature in the tile, the one row has no geometry.
SELECT v.services AS data_version, f.*
FROM tile_layer_version v
LEFT JOIN LATERAL (
    SELECT ST_AsBinary(s.geom_3857) AS geom,
           s.id,
           s.category,
           s.name,
           s.country::text AS country,
           array_to_string(s.sources, ',') AS sources,
           s.first_seen,
           s.last_seen,
           s.closure_candidate
    FROM service s
    WHERE s.geom_3857 && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)
      AND ($4::date IS NULL OR $4::date BETWEEN s.first_seen AND s.last_seen)
) f ON true
