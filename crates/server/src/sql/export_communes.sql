-- The communes an export selects, in a stable order (country, code), with their main
-- indicators (NULL where the data cannot support a value) and their outline as RFC 7946
-- GeoJSON geometry text (WGS 84 longitude/latitude, exterior rings counter-clockwise,
-- 6 decimals, about 10 cm). The server writes the rows as GeoJSON or CSV as they come.
-- $1..$4: bbox (min lon, min lat, max lon, max lat, CRS84), all NULL for no bbox: the
-- communes whose outline intersects it; $5, $6: one commune's country and code, or NULL.
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
       round(i.nearest_pharmacy_m) AS nearest_pharmacy_m,
       round(i.nearest_hospital_m) AS nearest_hospital_m,
       round(i.nearest_rail_station_m) AS nearest_rail_station_m,
       round(i.nearest_post_office_m) AS nearest_post_office_m,
       round(i.nearest_secondary_school_m) AS nearest_secondary_school_m,
       round(i.population_change_pct::numeric, 2)::float8 AS population_change_pct,
       ST_AsGeoJSON(ST_ForcePolygonCCW(c.geom), 6) AS geometry
FROM commune c
LEFT JOIN LATERAL (
    SELECT max(v.value) FILTER (WHERE v.indicator = 'nearest_service_m' AND v.category = 'pharmacy') AS nearest_pharmacy_m,
           max(v.value) FILTER (WHERE v.indicator = 'nearest_service_m' AND v.category = 'hospital') AS nearest_hospital_m,
           max(v.value) FILTER (WHERE v.indicator = 'nearest_service_m' AND v.category = 'rail_station') AS nearest_rail_station_m,
           max(v.value) FILTER (WHERE v.indicator = 'nearest_service_m' AND v.category = 'post_office') AS nearest_post_office_m,
           max(v.value) FILTER (WHERE v.indicator = 'nearest_service_m' AND v.category = 'secondary_school') AS nearest_secondary_school_m,
           max(v.value) FILTER (WHERE v.indicator = 'population_change_pct') AS population_change_pct
    FROM indicator_value v
    WHERE v.country = c.country AND v.code = c.code AND v.year = 0
      AND v.indicator IN ('nearest_service_m', 'population_change_pct')
) i ON true
WHERE ($1::float8 IS NULL
       OR ST_Intersects(c.geom, ST_MakeEnvelope($1, $2::float8, $3::float8, $4::float8, 4326)))
  AND ($5::text IS NULL OR (c.country = $5 AND c.code = $6::text))
ORDER BY c.country, c.code
