-- The OGC API – Features representation of a commune and of a service, in one place: the
-- collection pages and the single-item responses both build their features here.

CREATE FUNCTION ogc_commune_feature(c commune) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE
RETURN json_build_object(
    'type', 'Feature',
    'id', c.country || '-' || c.code,
    'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(c.geom), 6)::json,
    'properties', json_build_object(
        'code', c.code,
        'country', c.country,
        'name', c.name,
        'name_nl', c.name_nl,
        'name_fr', c.name_fr,
        'arrondissement_code', c.arrondissement_code,
        'arrondissement_nl', c.arrondissement_nl,
        'arrondissement_fr', c.arrondissement_fr,
        'population', c.population,
        'population_year', c.population_year,
        'area_km2', round(c.area_km2::numeric, 3)
    )
);

CREATE FUNCTION ogc_service_feature(s service) RETURNS json
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
            'sources', ARRAY(SELECT DISTINCT pr.source_id
                             FROM service_provenance pr
                             WHERE pr.service_id = s.id
                             ORDER BY pr.source_id)
        )
    )
    FROM service_category sc
    WHERE sc.id = s.category;
END;
