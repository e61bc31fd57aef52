-- Every commune with its main indicators, as UTF-8 CSV with a header row, streamed by
-- PostgreSQL itself. Empty cells are values the data cannot support.
COPY (
    SELECT c.country || '-' || c.code AS id, c.country, c.code, c.name, c.name_nl, c.name_fr,
           c.arrondissement_code, c.arrondissement_nl, c.arrondissement_fr,
           c.intercommunality_code, c.intercommunality_name,
           round(c.area_km2::numeric, 3) AS area_km2, c.population, c.population_year,
           round(max(i.value) FILTER (WHERE i.indicator = 'nearest_service_m' AND i.category = 'pharmacy')) AS nearest_pharmacy_m,
           round(max(i.value) FILTER (WHERE i.indicator = 'nearest_service_m' AND i.category = 'hospital')) AS nearest_hospital_m,
           round(max(i.value) FILTER (WHERE i.indicator = 'nearest_service_m' AND i.category = 'rail_station')) AS nearest_rail_station_m,
           round(max(i.value) FILTER (WHERE i.indicator = 'nearest_service_m' AND i.category = 'post_office')) AS nearest_post_office_m,
           round(max(i.value) FILTER (WHERE i.indicator = 'nearest_service_m' AND i.category = 'secondary_school')) AS nearest_secondary_school_m,
           round(max(i.value) FILTER (WHERE i.indicator = 'population_change_pct')::numeric, 2) AS population_change_pct
    FROM commune c
    LEFT JOIN indicator_value i
           ON i.country = c.country AND i.code = c.code AND i.year = 0
          AND i.indicator IN ('nearest_service_m', 'population_change_pct')
    GROUP BY c.country, c.code
    ORDER BY c.country, c.code
) TO STDOUT (FORMAT csv, HEADER true, ENCODING 'UTF8')
