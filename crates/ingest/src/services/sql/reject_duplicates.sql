-- A record id given again for the same category and date. Within 200 m of the first it
-- is the same service listed twice (an SNCF station once per line through it): kept and
-- grouped, returned with far = false for a warning. Farther, the records contradict each
-- other: the later ones are rejected (far = true).
WITH ranked AS (
    SELECT ord, location, record_id, geom,
           first_value(geom) OVER w AS first_geom,
           row_number() OVER w AS rank
    FROM service_located
    WHERE record_id IS NOT NULL
    WINDOW w AS (PARTITION BY record_id, category, seen_on ORDER BY ord)
),
repeated AS (
    SELECT ord, location, record_id, NOT ST_DWithin(first_geom::geography, geom::geography, 200) AS far
    FROM ranked
    WHERE rank > 1
),
rejected AS (
    DELETE FROM service_located l USING repeated r WHERE l.ord = r.ord AND r.far
)
SELECT location, record_id, far FROM repeated ORDER BY ord
