-- The communes an export selects, in a stable order (country, code), with their main
-- indicators (commune_map_values, migrations 0010 and 0011: NULL where the data cannot
-- support a value) and their outline as RFC 7946 GeoJSON geometry text (WGS 84
-- longitude/latitude, exterior rings counter-clockwise, 6 decimals, about 10 cm). The
-- server writes the rows as GeoJSON or CSV as they come.
-- $1..$4: bbox (min lon, min lat, max lon, max lat, CRS84), all NULL for no bbox: the
-- communes whose outline intersects it; $5, $6: one commune's country and code, or NULL;
-- $7: a region's id (migration 0020): its communes, or NULL.
SELECT c.country || '-' || c.code AS id,
       c.country::text AS country,
       c.code,
       c.name,
       c.name_nl,
       c.name_fr,
       c.arrondissement_code,
       c.arrondissement_nl,
       c.arrondissement_fr,
       c.intercommunality_code,
       c.intercommunality_name,
       round(c.area_km2::numeric, 3)::float8 AS area_km2,
       c.population,
       c.population_year::int4 AS population_year,
       i.nearest_pharmacy_m,
       i.nearest_hospital_m,
       i.nearest_rail_station_m,
       i.nearest_post_office_m,
       i.nearest_secondary_school_m,
       i.population_change_pct,
       ST_AsGeoJSON(ST_ForcePolygonCCW(c.geom), 6) AS geometry
FROM commune c
LEFT JOIN commune_map_values AS i ON i.code = c.code AND i.country = c.country
WHERE ($1::float8 IS NULL
       OR ST_Intersects(c.geom, ST_MakeEnvelope($1, $2::float8, $3::float8, $4::float8, 4326)))
  AND ($5::text IS NULL OR (c.country = $5 AND c.code = $6::text))
  AND ($7::text IS NULL OR c.region_id = $7)
ORDER BY c.country, c.code
