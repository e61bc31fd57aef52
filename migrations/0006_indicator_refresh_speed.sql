-- Nearest-service searches, one category at a time: each category of the taxonomy gets a
-- geography index of its own open services, so that a search for a rare category (a
-- hospital) never walks past the common ones (bus stops) as it did in the one shared
-- index, which these replace: every service is in exactly one of them, so loading services
-- maintains as many index entries as before. The refresh searches a category with the
-- category as a constant, so the planner can choose its index. A category added to the
-- taxonomy later needs its index here; until then its searches are right, only slower.
DROP INDEX service_geog_idx;
CREATE INDEX service_geog_post_office_idx ON service USING gist ((geom::geography)) WHERE category = 'post_office' AND NOT closure_candidate;
CREATE INDEX service_geog_post_point_idx ON service USING gist ((geom::geography)) WHERE category = 'post_point' AND NOT closure_candidate;
CREATE INDEX service_geog_town_hall_idx ON service USING gist ((geom::geography)) WHERE category = 'town_hall' AND NOT closure_candidate;
CREATE INDEX service_geog_library_idx ON service USING gist ((geom::geography)) WHERE category = 'library' AND NOT closure_candidate;
CREATE INDEX service_geog_pharmacy_idx ON service USING gist ((geom::geography)) WHERE category = 'pharmacy' AND NOT closure_candidate;
CREATE INDEX service_geog_general_practitioner_idx ON service USING gist ((geom::geography)) WHERE category = 'general_practitioner' AND NOT closure_candidate;
CREATE INDEX service_geog_hospital_idx ON service USING gist ((geom::geography)) WHERE category = 'hospital' AND NOT closure_candidate;
CREATE INDEX service_geog_primary_school_idx ON service USING gist ((geom::geography)) WHERE category = 'primary_school' AND NOT closure_candidate;
CREATE INDEX service_geog_secondary_school_idx ON service USING gist ((geom::geography)) WHERE category = 'secondary_school' AND NOT closure_candidate;
CREATE INDEX service_geog_childcare_idx ON service USING gist ((geom::geography)) WHERE category = 'childcare' AND NOT closure_candidate;
CREATE INDEX service_geog_bakery_idx ON service USING gist ((geom::geography)) WHERE category = 'bakery' AND NOT closure_candidate;
CREATE INDEX service_geog_food_shop_idx ON service USING gist ((geom::geography)) WHERE category = 'food_shop' AND NOT closure_candidate;
CREATE INDEX service_geog_bank_idx ON service USING gist ((geom::geography)) WHERE category = 'bank' AND NOT closure_candidate;
CREATE INDEX service_geog_rail_station_idx ON service USING gist ((geom::geography)) WHERE category = 'rail_station' AND NOT closure_candidate;
CREATE INDEX service_geog_bus_stop_idx ON service USING gist ((geom::geography)) WHERE category = 'bus_stop' AND NOT closure_candidate;

-- The refresh writes its rows without per-row foreign-key checks and adds the keys back
-- once at the end (see indicators/sql/full_begin.sql): name them, so both sides agree.
ALTER TABLE access_nearest RENAME CONSTRAINT access_nearest_origin_fkey TO access_nearest_origin_fk;
ALTER TABLE access_nearest RENAME CONSTRAINT access_nearest_category_fkey TO access_nearest_category_fk;
ALTER TABLE access_nearest RENAME CONSTRAINT access_nearest_service_id_fkey TO access_nearest_service_fk;
ALTER TABLE indicator_value RENAME CONSTRAINT indicator_value_indicator_fkey TO indicator_value_indicator_fk;
ALTER TABLE indicator_value RENAME CONSTRAINT indicator_value_country_code_fkey TO indicator_value_commune_fk;
