-- Commune outlines split into pieces of at most 64 vertices, to locate points fast.
WITH cleared AS (DELETE FROM commune_part)
INSERT INTO commune_part (country, code, geom)
SELECT country, code, ST_Subdivide(geom, 64) FROM commune
