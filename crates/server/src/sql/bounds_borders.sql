-- The borders layer draws the national border and the outlines of arrondissements and
-- intercommunalities, all derived from the communes.
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(geom) AS e FROM commune) AS extent
WHERE e IS NOT NULL
