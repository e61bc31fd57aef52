-- One MVT tile of the services layer: $1 = z, $2 = x, $3 = y, $4 = a date or NULL. With a
-- date, only the services known to exist on it (first to last sighting) are drawn.
WITH bounds AS (
    SELECT ST_TileEnvelope($1, $2, $3) AS envelope,
           ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096) AS search
),
-- MATERIALIZED: otherwise the outer "geom IS NOT NULL" is pushed into this query and
-- ST_AsMVTGeom, the costly part, runs twice per feature.
features AS MATERIALIZED (
    SELECT ST_AsMVTGeom(s.geom_3857, b.envelope, 4096, 64, true) AS geom,
           s.id,
           s.category,
           sc.group_id AS "group",
           sc.label_nl,
           sc.label_fr,
           sc.label_en,
           s.name,
           s.country::text AS country,
           array_to_string(s.sources, ',') AS sources,
           to_char(s.first_seen, 'YYYY-MM-DD') AS first_seen,
           to_char(s.last_seen, 'YYYY-MM-DD') AS last_seen,
           s.closure_candidate
    FROM service s
    JOIN service_category sc ON sc.id = s.category
    CROSS JOIN bounds b
    WHERE s.geom_3857 && b.search
      AND ($4::date IS NULL OR $4::date BETWEEN s.first_seen AND s.last_seen)
)
SELECT ST_AsMVT(features.*, 'services', 4096, 'geom', 'id')
FROM features
WHERE geom IS NOT NULL
