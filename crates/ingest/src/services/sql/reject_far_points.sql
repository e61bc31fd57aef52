-- Points in no commune are kept when within 5 km of one (a pharmacy just across the
-- study area's edge still counts for access); farther ones are rejected. Returns the
-- rejected records' locations. Points the reader located were tested there already.
DELETE FROM service_located l
WHERE NOT l.located
  AND l.commune_code IS NULL
  AND NOT EXISTS (SELECT 1 FROM study_area_part a WHERE ST_Intersects(a.geom, l.geom))
RETURNING l.location
