-- The sources that describe each service, kept on the service itself. The services tile
-- layer, the exports and the OGC features draw every service with its sources; gathering
-- them from service_provenance for each service was half of a services tile's cost in the
-- database (a z6 tile holds every service of the region).
-- The ingest writes them with the provenance (services/sql/insert_entities.sql for a new
-- service, merge_duplicates.sql when another source describes it too,
-- forget_source.sql when a source's load is replaced); nothing else writes provenance.
ALTER TABLE service ADD COLUMN sources text[] NOT NULL DEFAULT '{}';

UPDATE service s
SET sources = ARRAY(SELECT DISTINCT pr.source_id
                    FROM service_provenance pr
                    WHERE pr.service_id = s.id
                    ORDER BY pr.source_id);

CREATE OR REPLACE FUNCTION ogc_service_feature(s service) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
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
            'sources', s.sources
        )
    )
    FROM service_category sc
    WHERE sc.id = s.category;
END;
