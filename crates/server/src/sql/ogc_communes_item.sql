-- One feature of the OGC API `communes` collection, built by ogc_commune_feature()
-- (migrations/0004_ogc_features.sql) like the collection's pages.
-- $1: country (BE, FR); $2: code.
SELECT ogc_commune_feature(c) AS feature
FROM commune c
WHERE c.country = $1 AND c.code = $2
