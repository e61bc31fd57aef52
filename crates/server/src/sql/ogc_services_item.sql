-- One feature of the OGC API `services` collection: the same representation as in
-- ogc_services_items.sql (an integration test checks that they agree).
-- $1: service id.
SELECT json_build_object(
           'type', 'Feature',
           'id', s.id,
           'geometry', ST_AsGeoJSON(s.geom, 6)::json,
           'properties', json_build_object(
               'category', s.category,
               'category_nl', sc.label_nl,
               'category_fr', sc.label_fr,
               'category_en', sc.label_en,
               'name', s.name,
               'address', s.address,
               'country', s.country,
               'commune', s.country || '-' || s.commune_code,
               'first_seen', s.first_seen,
               'last_seen', s.last_seen,
               'closure_candidate', s.closure_candidate,
               'sources', ARRAY(SELECT DISTINCT pr.source_id
                                FROM service_provenance pr
                                WHERE pr.service_id = s.id
                                ORDER BY pr.source_id)
           )
       ) AS feature
FROM service s
JOIN service_category sc ON sc.id = s.category
WHERE s.id = $1
