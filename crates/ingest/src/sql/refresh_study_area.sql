-- The communes' union widened by 5 km, split for fast point tests (see study_area_part).
WITH cleared AS (DELETE FROM study_area_part)
INSERT INTO study_area_part (geom)
SELECT ST_Subdivide(ST_Transform(ST_Buffer(ST_Transform(ST_Union(geom), 3035), 5000, 8), 4326), 128)
FROM commune
HAVING count(*) > 0
