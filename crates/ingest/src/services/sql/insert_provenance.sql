-- $1 = source id. The provenance of every entity, after insert_services.sql: pointing at
-- the service another source already described (service_merge), or else at the one made
-- from it, which has the entity's id.
INSERT INTO service_provenance (service_id, source_id, record_id, raw_category, source_commune, status, seen_on, attributes)
SELECT coalesce(m.keep_id, e.id), $1, e.entity_key, coalesce(e.raw_category, ''), e.source_commune, e.status,
       e.seen_dates, coalesce(e.attributes, '{}')
FROM service_entity e
LEFT JOIN service_merge m ON m.new_id = e.id
