-- Services of this source that another source already describes: same category, within
-- 50 m, and a similar name once the words that only say what it is are set aside
-- (trigram similarity ≥ 0.3). Run before this source's services are inserted, so each
-- probe of the spatial index meets only other sources' services. Every match, for
-- services/merge.rs to keep one per service.
-- Used when this source brings fewer services than the table holds (otherwise see
-- find_duplicates_from_old.sql, which gives the same pairs).
CREATE TEMP TABLE service_merge_candidate ON COMMIT DROP AS
SELECT e.id AS new_id, match.keep_id
FROM service_entity e
CROSS JOIN LATERAL (
    SELECT o.id AS keep_id
    FROM service o
    WHERE o.category = e.category
      -- the index search: every point within 50 m lies within 50 m × the Mercator scale
      -- bound in the plane (migration 0008)
      AND o.geom_3857 && ST_Expand(ST_Transform(e.geom, 3857), 50 * mercator_scale_bound(ST_Y(e.geom), 50))
      AND ST_DWithin(o.geom::geography, e.geom::geography, 50)
      AND service_name_key(o.name) <> ''
      AND similarity(service_name_key(o.name), service_name_key(e.name)) >= 0.3
) AS match
