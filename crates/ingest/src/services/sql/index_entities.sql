-- A spatial index on this source's services, probed by find_duplicates_from_old.sql.
CREATE INDEX ON service_entity USING gist (geom)
