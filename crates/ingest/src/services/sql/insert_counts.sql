-- Counts per commune, category and year of one source, from parallel arrays.
-- $1 country, $2 commune code, $3 category, $4 year, $5 count, $6 source id.
INSERT INTO service_count (country, code, category, year, count, source_id)
SELECT *, $6
FROM UNNEST($1::text[], $2::text[], $3::text[], $4::smallint[], $5::integer[]);
