-- A service described by several sources is known over all their dates and lists them
-- all: $1 = the source being loaded.
WITH seen AS (
    SELECT m.keep_id,
           min(e.seen_dates[1]) AS first_seen,
           max(e.seen_dates[array_upper(e.seen_dates, 1)]) AS last_seen
    FROM service_merge m JOIN service_entity e ON e.id = m.new_id
    GROUP BY m.keep_id
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
