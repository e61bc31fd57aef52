-- Train series, recomputed in full: a changed service point does not touch them. Run by a
-- full refresh only, into the tables scope_all.sql emptied, so there is nothing to delete
-- first. (The inventory-based access, also recomputed in full only: inventory_*.sql.)

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

-- Shares of the population beyond walking (1.2 km) and cycling (3.75 km) reach need
-- population below the commune level, which the data does not have: said, not guessed,
-- once per country and region (a gap, migrations 0015 and 0020).
INSERT INTO indicator_gap (indicator, region, country, category, no_data)
SELECT kind.name, c.region, c.country, k.id, 'no population below the commune level in the data'
FROM (SELECT DISTINCT coalesce(region_id, '') AS region, country FROM commune) AS c
CROSS JOIN service_category k
CROSS JOIN (VALUES ('share_beyond_walk_pct'), ('share_beyond_cycle_pct')) AS kind(name);
