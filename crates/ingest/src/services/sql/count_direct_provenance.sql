-- The provenance rows the direct load's COPY wrote (those of its services, ids $1 to $2:
-- the source had nothing loaded before), counted into source_day as one grouped change,
-- as the INSERT trigger it set aside would have (count_triggers_off.sql; migration 0024's
-- add_source_days).
SELECT add_source_days(array_agg(source_id), array_agg(day), array_agg(n))
FROM (SELECT p.source_id, seen.day, count(*) AS n
      FROM service_provenance p CROSS JOIN unnest(p.seen_on) AS seen(day)
      WHERE p.service_id BETWEEN $1 AND $2
      GROUP BY 1, 2) AS change
