-- The extent of the `communes` collection: a CRS84 box, and no time (communes are
-- current boundaries). One row; NULLs when there are no communes.
SELECT ST_XMin(e)::float8, ST_YMin(e)::float8, ST_XMax(e)::float8, ST_YMax(e)::float8,
       NULL::date, NULL::date
FROM (SELECT ST_Extent(geom) AS e FROM commune) AS extent
