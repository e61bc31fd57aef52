-- One MVT tile of the borders layer: $1 = z, $2 = x, $3 = y. The national border, and the
-- outlines of arrondissements and intercommunalities, simplified per zoom band (see
-- migrations/0007_tile_layers.sql), exact from z11.
WITH bounds AS (
    SELECT ST_TileEnvelope($1, $2, $3) AS envelope,
           ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096) AS search
),
lines AS (
    SELECT 'national' AS kind, n.countries, NULL::text AS country, NULL::text AS code,
           NULL::text AS name_nl, NULL::text AS name_fr,
           n.geom_3857, n.geom_3857_z6, n.geom_3857_z8, n.geom_3857_z10
    FROM national_border n, bounds b
    WHERE n.geom_3857 && b.search
    UNION ALL
    SELECT a.kind, NULL, a.country::text, a.code, a.name_nl, a.name_fr,
           a.geom_3857, a.geom_3857_z6, a.geom_3857_z8, a.geom_3857_z10
    FROM admin_boundary a, bounds b
    WHERE a.geom_3857 && b.search
),
-- MATERIALIZED: otherwise the outer "geom IS NOT NULL" is pushed into this query and
-- ST_AsMVTGeom, the costly part, runs twice per feature.
features AS MATERIALIZED (
    SELECT ST_AsMVTGeom(CASE WHEN $1 <= 6 THEN l.geom_3857_z6
                             WHEN $1 <= 8 THEN l.geom_3857_z8
                             WHEN $1 <= 10 THEN l.geom_3857_z10
                             ELSE l.geom_3857 END,
                        b.envelope, 4096, 64, true) AS geom,
           l.kind, l.countries, l.country, l.code, l.name_nl, l.name_fr
    FROM lines l, bounds b
)
SELECT ST_AsMVT(features.*, 'borders', 4096, 'geom')
FROM features
WHERE geom IS NOT NULL
