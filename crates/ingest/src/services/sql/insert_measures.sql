-- Measures of services, found through the record ids of the source they describe; one
-- value per service, measure and date.
-- $1 record ids, $2 measures, $3 dates, $4 values, $5 this source, $6 the described source.
INSERT INTO service_measure (service_id, source_id, measure, on_date, value)
SELECT DISTINCT ON (p.service_id, m.measure, m.on_date)
       p.service_id, $5, m.measure, m.on_date, m.value
FROM UNNEST($1::text[], $2::text[], $3::date[], $4::float8[]) AS m(id, measure, on_date, value)
JOIN service_provenance p ON p.source_id = $6 AND p.record_id = m.id
ORDER BY p.service_id, m.measure, m.on_date;
