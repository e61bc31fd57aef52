-- Indicators per commune: where people live (access origins), definitions, and values
-- that say what they rest on, or why there is none.

-- Sub-municipalities (Belgian deelgemeenten): close in size to French communes, they are
-- where access is measured from in Belgium.
CREATE TABLE sub_municipality (
    code      text PRIMARY KEY,
    name      text NOT NULL,
    country   char(2) NOT NULL,
    commune   text NOT NULL,
    source_id text NOT NULL REFERENCES source (id),
    geom      geometry(MultiPolygon, 4326) NOT NULL,
    FOREIGN KEY (country, commune) REFERENCES commune (country, code) ON DELETE CASCADE
);

-- Points access is measured from: one per Belgian sub-municipality, one per commune that
-- has none (French communes, Comines-Warneton), each a point on the surface.
CREATE TABLE access_origin (
    id      text PRIMARY KEY,
    country char(2) NOT NULL,
    commune text NOT NULL,
    geom    geometry(Point, 4326) NOT NULL,
    FOREIGN KEY (country, commune) REFERENCES commune (country, code) ON DELETE CASCADE
);

-- Nearest-neighbour searches in metres on the sphere.
CREATE INDEX service_geog_idx ON service USING gist ((geom::geography));

CREATE TABLE indicator (
    id            text PRIMARY KEY,
    name_nl       text NOT NULL,
    name_fr       text NOT NULL,
    name_en       text NOT NULL,
    definition_nl text NOT NULL,
    definition_fr text NOT NULL,
    definition_en text NOT NULL,
    unit          text NOT NULL,
    per_category  boolean NOT NULL,
    sources       text NOT NULL,
    reference     text NOT NULL,
    licence       text NOT NULL,
    method        text NOT NULL
);

-- One value per indicator, commune, category ('' when the indicator has none) and year
-- (0 for "latest"). A NULL value always comes with the reason there is none.
CREATE TABLE indicator_value (
    indicator text NOT NULL REFERENCES indicator (id) ON DELETE CASCADE,
    country   char(2) NOT NULL,
    code      text NOT NULL,
    category  text NOT NULL DEFAULT '',
    year      smallint NOT NULL DEFAULT 0,
    value     double precision,
    no_data   text,
    sources   text[] NOT NULL DEFAULT '{}',
    detail    jsonb,
    PRIMARY KEY (indicator, country, code, category, year),
    FOREIGN KEY (country, code) REFERENCES commune (country, code) ON DELETE CASCADE,
    CHECK ((value IS NULL) = (no_data IS NOT NULL))
);
CREATE INDEX indicator_value_commune_idx ON indicator_value (country, code);

-- The nearest open service of each category to each origin: across the border ('any')
-- and within the origin's own country ('national'). Kept per origin, so a commune profile
-- can name the services and an incremental refresh can compare distances.
CREATE TABLE access_nearest (
    origin     text NOT NULL REFERENCES access_origin (id) ON DELETE CASCADE,
    category   text NOT NULL REFERENCES service_category (id),
    scope      text NOT NULL CHECK (scope IN ('any', 'national')),
    service_id bigint NOT NULL REFERENCES service (id) ON DELETE CASCADE,
    distance_m double precision NOT NULL,
    PRIMARY KEY (origin, category, scope)
);
