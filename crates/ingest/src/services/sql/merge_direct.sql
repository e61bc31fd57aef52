-- $1 = the source being loaded directly. Its services that another source already
-- described (service_merge) go: their records point at the service kept, which is known
-- over their dates too and lists the source (as merge_duplicates.sql does for a load
-- through the work tables). Returns how many merged.
WITH gone AS (
    DELETE FROM service s
    USING service_merge m
    WHERE s.id = m.new_id
    RETURNING m.keep_id, s.first_seen, s.last_seen
),
seen AS (
    SELECT keep_id, min(first_seen) AS first_seen, max(last_seen) AS last_seen
    FROM gone
    GROUP BY keep_id
),
moved AS (
    UPDATE service_provenance p
    SET service_id = m.keep_id
    FROM service_merge m
    WHERE p.service_id = m.new_id
),
widened AS (
    UPDATE service o
    SET first_seen = least(o.first_seen, seen.first_seen),
        last_seen = greatest(o.last_seen, seen.last_seen),
        closure_candidate = o.closure_candidate AND seen.last_seen < o.last_seen,
        sources = ARRAY(SELECT DISTINCT u.source FROM unnest(o.sources || $1::text) AS u(source) ORDER BY 1)
    FROM seen
    WHERE o.id = seen.keep_id
)
SELECT count(*) FROM service_merge
