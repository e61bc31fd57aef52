-- One RFC 7946 feature per commune, as JSON text: WGS 84 longitude/latitude, exterior
-- rings counter-clockwise, 6 decimals (about 10 cm).
SELECT json_build_object(
    'type', 'Feature',
    'id', c.country || '-' || c.code,
    'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(c.geom), 6)::json,
    'properties', json_build_object(
        'id', c.country || '-' || c.code,
        'country', c.country,
        'code', c.code,
        'name', c.name,
        'name_nl', c.name_nl,
        'name_fr', c.name_fr,
        'arrondissement_code', c.arrondissement_code,
        'arrondissement_nl', c.arrondissement_nl,
        'arrondissement_fr', c.arrondissement_fr,
        'intercommunality_code', c.intercommunality_code,
        'intercommunality_name', c.intercommunality_name,
        'area_km2', round(c.area_km2::numeric, 3),
        'population', c.population,
        'population_year', c.population_year,
        'source', c.source_id
    )
)::text
FROM commune c
ORDER BY c.country, c.code
