-- One MVT tile of the borders layer: $1 = z, $2 = x, $3 = y.
WITH bounds AS (
    SELECT ST_TileEnvelope($1, $2, $3) AS envelope,
           ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096) AS search
),
features AS (
    SELECT ST_AsMVTGeom(n.geom_3857, b.envelope, 4096, 64, true) AS geom,
           n.countries
    FROM national_border n, bounds b
    WHERE n.geom_3857 && b.search
)
SELECT ST_AsMVT(features.*, 'borders', 4096, 'geom')
FROM features
WHERE geom IS NOT NULL
