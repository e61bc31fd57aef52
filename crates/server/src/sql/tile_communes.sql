-- One MVT tile of the communes layer: $1 = z, $2 = x, $3 = y.
WITH bounds AS (
    SELECT ST_TileEnvelope($1, $2, $3) AS envelope,
           ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096) AS search
),
features AS (
    SELECT ST_AsMVTGeom(c.geom_3857, b.envelope, 4096, 64, true) AS geom,
           c.country || '-' || c.code AS id,
           c.code,
           c.country::text AS country,
           c.name,
           c.name_nl,
           c.name_fr,
           c.population,
           c.population_year::integer AS population_year,
           round(c.area_km2::numeric, 3)::float8 AS area_km2,
           CASE WHEN c.population IS NOT NULL AND c.area_km2 > 0
                THEN round((c.population / c.area_km2)::numeric, 1)::float8 END AS density
    FROM commune c, bounds b
    WHERE c.geom_3857 && b.search
)
SELECT ST_AsMVT(features.*, 'communes', 4096, 'geom')
FROM features
WHERE geom IS NOT NULL
