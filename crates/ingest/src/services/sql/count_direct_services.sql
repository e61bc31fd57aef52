-- The services the direct load's COPY wrote (ids $1 to $2, drawn as one block), counted
-- into category_source as one grouped change, as the INSERT trigger it set aside would
-- have (count_triggers_off.sql; migration 0024's add_category_sources).
SELECT add_category_sources(array_agg(category), array_agg(source_id), array_agg(n))
FROM (SELECT s.category, listed.source_id, count(*) AS n
      FROM service s CROSS JOIN unnest(s.sources) AS listed(source_id)
      WHERE s.id BETWEEN $1 AND $2
      GROUP BY 1, 2) AS change
