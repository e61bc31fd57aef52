-- Train series and inventory-based access, recomputed in full: a changed service point
-- touches neither. Run by a full refresh only, into the tables scope_all.sql emptied, so
-- there is nothing to delete first.

-- Trains stopping per day at the commune's stations, first against last year of the series.
INSERT INTO indicator_commune_value (indicator, country, code, value, no_data, sources, detail)
SELECT 'train_stops_change_pct', c.country, c.code,
       CASE WHEN t.first_total > 0 THEN (t.last_total - t.first_total) * 100.0 / t.first_total END,
       CASE WHEN t.first_total IS NULL THEN 'no railway station with a series of stops here'
            WHEN t.first_total = 0 THEN 'no trains stopped in the first year' END,
       coalesce(t.sources, '{}'),
       CASE WHEN t.first_total IS NOT NULL THEN jsonb_build_object('from', t.first_date, 'to', t.last_date,
            'stops_per_day_from', round(t.first_total::numeric, 1), 'stops_per_day_to', round(t.last_total::numeric, 1)) END
FROM commune c
LEFT JOIN (
    SELECT s.country, s.commune_code,
           sum(m.value) FILTER (WHERE m.on_date = r.first_date) AS first_total,
           sum(m.value) FILTER (WHERE m.on_date = r.last_date) AS last_total,
           min(r.first_date) AS first_date, max(r.last_date) AS last_date,
           array_agg(DISTINCT m.source_id) AS sources
    FROM service_measure m
    JOIN service s ON s.id = m.service_id
    JOIN (SELECT source_id, measure, min(on_date) AS first_date, max(on_date) AS last_date
          FROM service_measure GROUP BY 1, 2 HAVING count(DISTINCT on_date) > 1) AS r
      ON r.source_id = m.source_id AND r.measure = m.measure
    WHERE m.measure = 'avg_stop_times'
    GROUP BY 1, 2
) AS t ON t.country = c.country AND t.commune_code = c.code;

-- For categories known only as counts per commune (INSEE's historical method): the
-- distance from the commune's point to the nearest commune that has the service in the
-- inventory's latest year; 0 where the commune has it itself. Measured for the communes of
-- the regions whose sources count the category (prepare.sql's coverage); the nearest
-- commune that has it may lie in any region.
-- One row per place (an access origin) with the (category, year) pairs its commune has, so
-- that a search walks past each place once, not once per category it has.
CREATE TEMP TABLE IF NOT EXISTS having_service (origin text, country char(2), code text, kinds text[], geom geometry(Point, 4326)) ON COMMIT DROP;
TRUNCATE having_service;
INSERT INTO having_service
SELECT o.id, o.country, o.commune, array_agg(n.category || '/' || n.year), o.geom
FROM (SELECT country, code, category, year, sum(count) AS count FROM service_count
      WHERE (category, year) IN (SELECT category, max(year) FROM service_count GROUP BY category)
      GROUP BY 1, 2, 3, 4) AS n
JOIN access_origin o ON o.country = n.country AND o.commune = n.code
WHERE n.count > 0
GROUP BY o.id;
CREATE INDEX IF NOT EXISTS having_service_geog_idx ON having_service USING gist ((geom::geography));
ANALYZE having_service;

-- A commune that has the service is its own nearest, at 0 m; the others search.
WITH latest AS MATERIALIZED (
    SELECT c.country, c.code, y.category, y.year, y.sources, o.geom,
           h.origin IS NOT NULL AS has_it
    FROM (SELECT sc.region, sc.country, category, max(year) AS year, array_agg(DISTINCT source_id) AS sources
          FROM service_count JOIN coverage sc USING (source_id) GROUP BY 1, 2, 3) AS y
    JOIN commune c ON c.country = y.country AND coalesce(c.region_id, '') = y.region
    JOIN access_origin o ON o.country = c.country AND o.commune = c.code
    LEFT JOIN having_service h ON h.origin = o.id AND y.category || '/' || y.year = ANY (h.kinds)
)
INSERT INTO indicator_commune_value (indicator, country, code, category, year, value, sources, detail)
SELECT 'nearest_commune_with_service_m', l.country, l.code, l.category, l.year, 0,
       l.sources, jsonb_build_object('nearest_commune', l.country || '-' || l.code)
FROM latest l WHERE l.has_it
UNION ALL
SELECT 'nearest_commune_with_service_m', l.country, l.code, l.category, l.year, k.distance,
       l.sources, jsonb_build_object('nearest_commune', k.country || '-' || k.code)
FROM latest l
CROSS JOIN LATERAL (
    SELECT h.country, h.code, ST_Distance(h.geom::geography, l.geom::geography) AS distance
    FROM having_service h
    WHERE l.category || '/' || l.year = ANY (h.kinds)
    ORDER BY h.geom::geography <-> l.geom::geography
    LIMIT 1
) AS k
WHERE NOT l.has_it;

-- Shares of the population beyond walking (1.2 km) and cycling (3.75 km) reach need
-- population below the commune level, which the data does not have: said, not guessed,
-- once per country and region (a gap, migrations 0015 and 0020).
INSERT INTO indicator_gap (indicator, region, country, category, no_data)
SELECT kind.name, c.region, c.country, k.id, 'no population below the commune level in the data'
FROM (SELECT DISTINCT coalesce(region_id, '') AS region, country FROM commune) AS c
CROSS JOIN service_category k
CROSS JOIN (VALUES ('share_beyond_walk_pct'), ('share_beyond_cycle_pct')) AS kind(name);
