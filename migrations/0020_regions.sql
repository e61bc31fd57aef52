-- Study areas (regions) as data: each manifest names the region it loads (`[region]`),
-- and the communes and sources it loads belong to that region. Several regions live in
-- one database; loading one never touches the rows of another, and re-loading one
-- replaces its own rows only.
--
-- A source speaks for its region only: what it covers ("none here" where it has no
-- service, counts per commune, snapshot series) holds for the communes of its region, not
-- for another region of the same country. A source of no region (a quick import, the
-- citizens' reports) speaks for every region, as before regions existed. Nearest
-- distances are searched over every loaded service whatever its region, so a service
-- just across a region's edge still counts.

CREATE TABLE region (
    -- lower-case words joined by hyphens, as in URLs: `westhoek`
    id        text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' AND length(id) <= 40),
    name_nl   text NOT NULL,
    name_fr   text NOT NULL,
    name_en   text NOT NULL,
    -- the order regions were first loaded in: the first is the atlas's default
    ordinal   bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    -- the box the map opens on (west, south, east, north), when the manifest gives one;
    -- otherwise the communes' extent
    view_box  float8[] CHECK (view_box IS NULL OR cardinality(view_box) = 4),
    manifest  text NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    -- the extent of its communes and their union widened by 5 km (in ETRS89-LAEA metres,
    -- as study_area_part), written by each load of the region: the services "of" a
    -- region are those in its communes and those kept just outside them
    extent    geometry(Polygon, 4326),
    margin    geometry(MultiPolygon, 4326)
);
CREATE INDEX region_margin_idx ON region USING gist (margin);

-- NULL for rows loaded before regions existed (until their manifest is loaded again) and
-- for sources that belong to no region.
ALTER TABLE source ADD COLUMN region_id text REFERENCES region (id);
ALTER TABLE commune ADD COLUMN region_id text REFERENCES region (id);
CREATE INDEX commune_region_idx ON commune (region_id);
-- The indicator refresh matches communes to the regions sources speak for as
-- coalesce(region_id, ''): ANALYZE keeps statistics on an index's expressions, without
-- which PostgreSQL took that match to keep one commune in 200 and joined the inventory
-- counts row by row (35 s instead of 0.3 s for the Westhoek).
CREATE INDEX commune_home_idx ON commune ((coalesce(region_id, '')), country);

-- The reasons for no data that hold for every commune of a country hold per region now:
-- one region's sources may cover a category on a side of the border that another's do
-- not. '' is the communes of no region.
ALTER TABLE indicator_gap ADD COLUMN region text NOT NULL DEFAULT '';
ALTER TABLE indicator_gap DROP CONSTRAINT indicator_gap_pkey;
ALTER TABLE indicator_gap ADD PRIMARY KEY (indicator, category, year, country, region);

CREATE OR REPLACE VIEW indicator_value AS
SELECT indicator, country, code, category, year, value, no_data, sources, detail
FROM indicator_commune_value
UNION ALL
SELECT g.indicator, c.country, c.code, g.category, g.year, NULL::float8, g.no_data, g.sources, g.detail
FROM indicator_gap g
JOIN commune c ON c.country = g.country AND coalesce(c.region_id, '') = g.region;
