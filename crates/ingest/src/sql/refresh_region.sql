-- The extent of region $1's communes and their union widened by 5 km (ETRS89-LAEA
-- metres, as refresh_study_area.sql), after a load replaced them: what /api/regions
-- gives and where the services of the region are looked for.
UPDATE region r
SET extent = a.extent, margin = a.margin
FROM (
    SELECT ST_SetSRID(ST_Extent(geom)::geometry, 4326) AS extent,
           ST_Multi(ST_Transform(ST_Buffer(ST_Transform(ST_Union(geom), 3035), 5000, 8), 4326)) AS margin
    FROM commune
    WHERE region_id = $1
) AS a
WHERE r.id = $1
