-- $1 = a service id: what a change needs to know of it, the row locked until the
-- transaction ends.
SELECT category, ST_X(geom) AS longitude, ST_Y(geom) AS latitude, first_seen
FROM service
WHERE id = $1
FOR UPDATE
