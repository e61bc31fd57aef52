INSERT INTO sub_municipality (code, name, country, commune, source_id, geom)
SELECT code, name, country, commune, source_id, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326))
FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
     AS t(code, name, country, commune, source_id, geojson)
