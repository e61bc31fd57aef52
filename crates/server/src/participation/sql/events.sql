-- The discovery days from day $1 on, soonest first.
SELECT id, title_nl, title_fr, description_nl, description_fr, starts_on, place,
       ST_X(geom) AS longitude, ST_Y(geom) AS latitude
FROM discovery_day
WHERE starts_on >= $1
ORDER BY starts_on, id
LIMIT 1000
