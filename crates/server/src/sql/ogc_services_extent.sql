-- The extent of the `services` collection: a CRS84 box and the days services are known
-- to exist (first sighting to last). One row; NULLs when there are no services.
SELECT ST_XMin(e)::float8, ST_YMin(e)::float8, ST_XMax(e)::float8, ST_YMax(e)::float8,
       first_seen, last_seen
FROM (SELECT ST_Extent(geom) AS e, min(first_seen) AS first_seen, max(last_seen) AS last_seen
      FROM service) AS extent
