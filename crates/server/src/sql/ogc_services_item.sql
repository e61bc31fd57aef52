-- One feature of the OGC API `services` collection, built by ogc_service_feature()
-- (migrations/0004_ogc_features.sql) like the collection's pages.
-- $1: service id.
SELECT ogc_service_feature(s) AS feature
FROM service s
WHERE s.id = $1
