-- The Belgian–French border as the part of Belgium's outline that runs along France.
-- The two countries' layers come from different national sources and do not share
-- vertices (slivers of about 0.5 km² in all), so "along" means within ~300 m.
-- Runs after clear_national_border.sql, in the same transaction.
WITH be AS (SELECT ST_Union(geom) AS g FROM commune WHERE country = 'BE'),
     fr AS (SELECT ST_Union(geom) AS g FROM commune WHERE country = 'FR'),
     line AS (
         SELECT ST_Multi(ST_CollectionExtract(ST_Intersection(ST_Boundary(be.g), ST_Buffer(fr.g, 0.003)), 2)) AS g
         FROM be, fr
         WHERE be.g IS NOT NULL AND fr.g IS NOT NULL
     )
INSERT INTO national_border (id, countries, geom)
SELECT 1, 'BE-FR', g FROM line WHERE NOT ST_IsEmpty(g)
