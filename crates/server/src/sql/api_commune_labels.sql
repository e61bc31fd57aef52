-- One label point per commune (migration 0016) as a GeoJSON FeatureCollection, with
-- the names the map chooses from per language and the population that ranks labels;
-- the communes of region $1 only when it is not NULL (migration 0020).
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'id', c.country || '-' || c.code,
        'geometry', ST_AsGeoJSON(c.label_point, 6)::json,
        'properties', json_build_object(
            'id', c.country || '-' || c.code, 'name', c.name, 'name_nl', c.name_nl,
            'name_fr', c.name_fr, 'population', c.population))
        ORDER BY c.population DESC NULLS LAST, c.country, c.code), '[]'::json))
FROM commune c
WHERE $1::text IS NULL OR c.region_id = $1
