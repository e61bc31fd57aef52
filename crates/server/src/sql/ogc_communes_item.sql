-- One feature of the OGC API `communes` collection: the same representation as in
-- ogc_communes_items.sql (an integration test checks that they agree).
-- $1: country (BE, FR); $2: code.
SELECT json_build_object(
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
       ) AS feature
FROM commune c
WHERE c.country = $1 AND c.code = $2
