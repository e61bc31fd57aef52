-- Nearest-service searches on planar indexes. Migration 0006 gave each category a GiST
-- index on geom::geography; PostGIS builds a geography index entry by entry (it has no
-- sorted build for it), so after a large load rebuilding them was the largest part of the
-- ingest. A nearest-neighbour search costs the same on either kind of index, so the
-- searches now walk Web Mercator indexes, which PostGIS builds sorted, four to five times
-- faster, and measure the candidates on the spheroid, proving with the bound below that
-- the nearest service in metres is among them (indicators/sql/nearest_search.sql).
-- A category added to the taxonomy later needs its index here; until then its searches
-- are right, only slower.
DROP INDEX service_geog_post_office_idx;
DROP INDEX service_geog_post_point_idx;
DROP INDEX service_geog_town_hall_idx;
DROP INDEX service_geog_library_idx;
DROP INDEX service_geog_pharmacy_idx;
DROP INDEX service_geog_general_practitioner_idx;
DROP INDEX service_geog_hospital_idx;
DROP INDEX service_geog_primary_school_idx;
DROP INDEX service_geog_secondary_school_idx;
DROP INDEX service_geog_childcare_idx;
DROP INDEX service_geog_bakery_idx;
DROP INDEX service_geog_food_shop_idx;
DROP INDEX service_geog_bank_idx;
DROP INDEX service_geog_rail_station_idx;
DROP INDEX service_geog_bus_stop_idx;
CREATE INDEX service_nearest_post_office_idx ON service USING gist (geom_3857) WHERE category = 'post_office' AND NOT closure_candidate;
CREATE INDEX service_nearest_post_point_idx ON service USING gist (geom_3857) WHERE category = 'post_point' AND NOT closure_candidate;
CREATE INDEX service_nearest_town_hall_idx ON service USING gist (geom_3857) WHERE category = 'town_hall' AND NOT closure_candidate;
CREATE INDEX service_nearest_library_idx ON service USING gist (geom_3857) WHERE category = 'library' AND NOT closure_candidate;
CREATE INDEX service_nearest_pharmacy_idx ON service USING gist (geom_3857) WHERE category = 'pharmacy' AND NOT closure_candidate;
CREATE INDEX service_nearest_general_practitioner_idx ON service USING gist (geom_3857) WHERE category = 'general_practitioner' AND NOT closure_candidate;
CREATE INDEX service_nearest_hospital_idx ON service USING gist (geom_3857) WHERE category = 'hospital' AND NOT closure_candidate;
CREATE INDEX service_nearest_primary_school_idx ON service USING gist (geom_3857) WHERE category = 'primary_school' AND NOT closure_candidate;
CREATE INDEX service_nearest_secondary_school_idx ON service USING gist (geom_3857) WHERE category = 'secondary_school' AND NOT closure_candidate;
CREATE INDEX service_nearest_childcare_idx ON service USING gist (geom_3857) WHERE category = 'childcare' AND NOT closure_candidate;
CREATE INDEX service_nearest_bakery_idx ON service USING gist (geom_3857) WHERE category = 'bakery' AND NOT closure_candidate;
CREATE INDEX service_nearest_food_shop_idx ON service USING gist (geom_3857) WHERE category = 'food_shop' AND NOT closure_candidate;
CREATE INDEX service_nearest_bank_idx ON service USING gist (geom_3857) WHERE category = 'bank' AND NOT closure_candidate;
CREATE INDEX service_nearest_rail_station_idx ON service USING gist (geom_3857) WHERE category = 'rail_station' AND NOT closure_candidate;
CREATE INDEX service_nearest_bus_stop_idx ON service USING gist (geom_3857) WHERE category = 'bus_stop' AND NOT closure_candidate;

-- Where people live, in the same plane.
ALTER TABLE access_origin
    ADD COLUMN geom_3857 geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED;

-- How much longer a distance can be in Web Mercator metres than on the WGS 84 spheroid,
-- for a geodesic of `distance_m` metres from a point at latitude `lat_deg`. Web Mercator
-- stretches a short step by a/(N cos φ) east-west and a/(M cos φ) north-south (M and N
-- the spheroid's radii of curvature); the larger, a/(M cos φ), is at most
-- 1/((1 - e²) cos φ) = 1.0067395/cos φ. Along the geodesic the latitude moves by at most
-- distance / a(1 - e²), a(1 - e²) = 6,335,439 m being the smallest meridian radius. A
-- service whose geodesic distance is below d therefore lies within d × bound metres in the
-- plane; the search checks that its candidates cover that disc. Rounded up, and capped
-- near the poles, where the study area never goes.
CREATE FUNCTION mercator_scale_bound(lat_deg float8, distance_m float8) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN 1.00674 / cos(least(radians(abs(lat_deg)) + distance_m / 6335439.0, radians(85.0))) * (1 + 1e-9);
