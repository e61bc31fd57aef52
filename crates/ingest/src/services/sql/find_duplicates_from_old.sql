-- The same pairs as find_duplicates.sql, found as one hash join rather than one index
-- probe per new service: used when this source brings more services than the table
-- holds. Points are keyed by their cell in a grid of 0.001°; two points within
-- 0.001° of each other (ST_Expand's box) lie in the same or neighbouring cells, so each
-- service already there is offered to its 3 × 3 cells.
CREATE TEMP TABLE service_merge_candidate ON COMMIT DROP AS
WITH old AS (
    SELECT o.id, o.category, o.name, o.geom,
           floor(ST_X(o.geom) / 0.001)::bigint + dx AS cell_x,
           floor(ST_Y(o.geom) / 0.001)::bigint + dy AS cell_y
    FROM service o
    CROSS JOIN generate_series(-1, 1) AS dx
    CROSS JOIN generate_series(-1, 1) AS dy
    WHERE service_name_key(o.name) <> ''
)
SELECT e.id AS new_id, o.id AS keep_id
FROM service_entity e
JOIN old o
  ON o.category = e.category
 AND o.cell_x = floor(ST_X(e.geom) / 0.001)::bigint
 AND o.cell_y = floor(ST_Y(e.geom) / 0.001)::bigint
WHERE o.geom && ST_Expand(e.geom, 0.001)
  AND ST_DWithin(o.geom::geography, e.geom::geography, 50)
  AND similarity(service_name_key(o.name), service_name_key(e.name)) >= 0.3
