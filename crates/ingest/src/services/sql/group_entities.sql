-- One entity per service the source describes: its record id (per category: a post office
-- turned partner point is a service that closed and one that opened), or, for snapshot
-- series without ids ($1 = true), the cluster of its observations within 30 m.
CREATE TEMP TABLE service_entity ON COMMIT DROP AS
WITH keyed AS (
    SELECT l.*,
           CASE WHEN l.record_id IS NOT NULL THEN l.record_id
                WHEN $1::boolean THEN 'cluster-' || ST_ClusterDBSCAN(ST_Transform(l.geom, 3035), 30, 1)
                                         OVER (PARTITION BY l.category)
                ELSE 'record-' || l.ord END AS entity_key
    FROM service_located l
),
latest AS (
    SELECT DISTINCT ON (entity_key, category) *
    FROM keyed
    ORDER BY entity_key, category, seen_on DESC, ord
),
seen AS (
    SELECT entity_key, category, array_agg(DISTINCT seen_on ORDER BY seen_on) AS seen_on
    FROM keyed
    GROUP BY entity_key, category
)
SELECT nextval('service_id_seq') AS id, latest.*, seen.seen_on AS seen_dates
FROM latest JOIN seen USING (entity_key, category)
