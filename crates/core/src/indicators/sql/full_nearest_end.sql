-- The keys full_begin.sql dropped from access_nearest, as migrations 0003, 0006 and 0023 define
-- them, once its rows are written (the values read it by origin): adding them checks
-- every row.
ALTER TABLE access_nearest
    ADD CONSTRAINT access_nearest_pkey PRIMARY KEY (origin, category, scope),
    ADD CONSTRAINT access_nearest_origin_fk FOREIGN KEY (origin) REFERENCES access_origin (id) ON DELETE CASCADE,
    ADD CONSTRAINT access_nearest_category_fk FOREIGN KEY (category) REFERENCES service_category (id),
    ADD CONSTRAINT access_nearest_service_fk FOREIGN KEY (service_id) REFERENCES service (id) ON DELETE CASCADE;
CREATE INDEX access_nearest_reach_idx ON access_nearest (category, distance_m);
