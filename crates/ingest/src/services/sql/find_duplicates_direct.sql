-- The pairs of find_duplicates_from_old.sql for a direct load, whose services are already
-- in the table: those of ids $1 to $2 are this load's, matched against every other.
CREATE TEMP TABLE service_merge_candidate ON COMMIT DROP AS
WITH old AS (
    SELECT o.id, o.category, o.name, o.geom,
           floor(ST_X(o.geom) / 0.001)::bigint + dx AS cell_x,
           floor(ST_Y(o.geom) / 0.001)::bigint + dy AS cell_y
    FROM service o
    CROSS JOIN generate_series(-1, 1) AS dx
    CROSS JOIN generate_series(-1, 1) AS dy
    WHERE (o.id < $1 OR o.id > $2) AND service_name_key(o.name) <> ''
),
new AS (
    SELECT e.id, e.category, e.name, e.geom,
           floor(ST_X(e.geom) / 0.001)::bigint AS cell_x,
           floor(ST_Y(e.geom) / 0.001)::bigint AS cell_y
    FROM service e
    WHERE e.id BETWEEN $1 AND $2
)
SELECT e.id AS new_id, o.id AS keep_id
FROM new e
JOIN old o ON o.category = e.category AND o.cell_x = e.cell_x AND o.cell_y = e.cell_y
WHERE o.geom && ST_Expand(e.geom, 0.001)
  AND ST_DWithin(o.geom::geography, e.geom::geography, 50)
  AND similarity(service_name_key(o.name), service_name_key(e.name)) >= 0.3
