INSERT INTO commune (country, code, name, name_nl, name_fr,
                     arrondissement_code, arrondissement_nl, arrondissement_fr,
                     intercommunality_code, intercommunality_name, source_id, geom, area_km2, region_id)
SELECT country, code, name, name_nl, name_fr, arr_code, arr_nl, arr_fr, ic_code, ic_name, source_id,
       g.geom, ST_Area(g.geom::geography) / 1e6, $13::text
FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
     AS t(country, code, name, name_nl, name_fr, arr_code, arr_nl, arr_fr, ic_code, ic_name, source_id, geojson)
CROSS JOIN LATERAL (SELECT ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(t.geojson), 4326)) AS geom) AS g
