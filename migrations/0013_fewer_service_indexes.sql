-- Fewer indexes for a large load to rebuild (service_load_attach() of migration 0005
-- builds every one of them again after the load).
--
-- The longitude/latitude GiST index of the services served the box filters of the OGC
-- items and the exports and the search for services another source describes. They now
-- search the Web Mercator index the tiles use (migration 0007), which holds the same
-- points: building both took 0.77 s and 0.68 s after a load of 267,452 services.
DROP INDEX service_geom_idx;

-- The index of the services of a commune was keyed by (country, commune_code, category):
-- built in 460 ms for 270,000 services against 140 ms keyed by the commune code alone.
-- Its readers (the counts of a commune's services, the export of one commune) find a few
-- dozen services per code and check the country and category on them.
DROP INDEX service_commune_idx;
CREATE INDEX service_commune_idx ON service (commune_code);

-- A longitude/latitude box (CRS84) as a box in Web Mercator metres for an index search
-- on geom_3857, with a metre to spare: Mercator maps such a box onto a box, but the two
-- are computed separately and may differ in the last bits. The exact test stays on the
-- longitude/latitude geometry. Both latitudes are held within Web Mercator's ±85.06°,
-- beyond which PROJ refuses to transform and where no service can lie (geom_3857 could
-- not be computed for it).
CREATE FUNCTION mercator_box(min_lon float8, min_lat float8, max_lon float8, max_lat float8)
RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ST_Expand(ST_Transform(ST_MakeEnvelope(min_lon, greatest(least(min_lat, 85.06), -85.06),
                                               max_lon, greatest(least(max_lat, 85.06), -85.06),
                                               4326), 3857), 1.0);
