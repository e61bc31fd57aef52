-- $1 = source id, $2 = the one country the source covers (NULL if none or several): the
-- country of its points that lie outside the study area's communes. New services for the
-- entities no other source described (service_merge), listing $1 as their one source
-- (migration 0012). A service seen in a snapshot series but not in its latest snapshot
-- is a closure candidate. Written in the order of their points (PostGIS sorts geometries
-- along a space-filling curve), so that the services of one tile lie in a few pages of
-- the table: a z9 services tile of the national release read 56,952 pages of it in file
-- order, 9,444 in this order, and was built three times as fast.
WITH last_snapshot AS (SELECT max(seen_dates[array_upper(seen_dates, 1)]) AS d FROM service_entity)
INSERT INTO service (id, category, name, address, country, commune_code, geom, first_seen, last_seen, closure_candidate, sources)
SELECT e.id, e.category, e.name, e.address, coalesce(e.commune_country, $2::char(2)), e.commune_code, e.geom,
       e.seen_dates[1], e.seen_dates[array_upper(e.seen_dates, 1)],
       e.seen_dates[array_upper(e.seen_dates, 1)] < (SELECT d FROM last_snapshot),
       ARRAY[$1::text]
FROM service_entity e
WHERE NOT EXISTS (SELECT 1 FROM service_merge m WHERE m.new_id = e.id)
ORDER BY e.geom
