-- Where access is measured from: a point on each sub-municipality, and on each commune
-- that has none. Never a bounding-box centre: ST_PointOnSurface lies inside the polygon.
-- Two statements: a DELETE in a WITH runs after the INSERT beside it, and the points of
-- the communes this load kept (another region's) would still hold their ids.
DELETE FROM access_origin;
INSERT INTO access_origin (id, country, commune, geom)
SELECT s.country || '-' || s.code, s.country, s.commune, ST_PointOnSurface(s.geom)
FROM sub_municipality s
UNION ALL
SELECT c.country || '-' || c.code, c.country, c.code, ST_PointOnSurface(c.geom)
FROM commune c
WHERE NOT EXISTS (SELECT 1 FROM sub_municipality s WHERE s.country = c.country AND s.commune = c.code);
