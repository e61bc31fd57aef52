-- The one shared geography index the naive way searches (the schema has one per category).
CREATE INDEX naive_geog_idx ON service USING gist ((geom::geography));
ANALYZE service;
