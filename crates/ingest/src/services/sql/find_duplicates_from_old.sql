-- The same pairs as find_duplicates.sql, found from the other side: when this source
-- brings more services than the table holds, each service already there probes the
-- new ones' spatial index (index_entities.sql) instead. The earliest match wins.
CREATE TEMP TABLE service_merge ON COMMIT DROP AS
SELECT DISTINCT ON (match.new_id) match.new_id, o.id AS keep_id
FROM service o
CROSS JOIN LATERAL (
    SELECT e.id AS new_id
    FROM service_entity e
    WHERE e.category = o.category
      AND e.geom && ST_Expand(o.geom, 0.001)
      AND ST_DWithin(o.geom::geography, e.geom::geography, 50)
      AND similarity(service_name_key(o.name), service_name_key(e.name)) >= 0.3
) AS match
WHERE service_name_key(o.name) <> ''
ORDER BY match.new_id, o.id
