-- Communes of both countries, their population series, and where each fact came from.
CREATE EXTENSION IF NOT EXISTS postgis;

-- One row per source file named in a manifest: provenance for every loaded row.
CREATE TABLE source (
    id             text PRIMARY KEY,
    title          text NOT NULL,
    path           text NOT NULL,
    publisher      text NOT NULL,
    licence        text NOT NULL,
    reference_date text,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE commune (
    country             char(2) NOT NULL CHECK (country IN ('BE', 'FR')),
    code                text NOT NULL CHECK (code ~ '^[0-9][0-9AB][0-9]{3}$'),
    name                text NOT NULL,           -- official name, in the commune's own language
    name_nl             text,
    name_fr             text,
    arrondissement_code text,
    arrondissement_nl   text,
    arrondissement_fr   text,
    intercommunality_code text,
    intercommunality_name text,
    source_id           text NOT NULL REFERENCES source (id),
    geom                geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    geom_3857           geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    area_km2            double precision NOT NULL,
    -- latest population that counts exactly this commune's territory, refreshed by ingest
    population          integer,
    population_year     smallint,
    PRIMARY KEY (country, code)
);
CREATE INDEX commune_geom_idx ON commune USING gist (geom);
CREATE INDEX commune_geom_3857_idx ON commune USING gist (geom_3857);

-- Population on the reference date of `year` (1 January for Statbel; the COG vintage for
-- INSEE). `covers` lists the communes whose territory the figure counts: normally the
-- commune itself; after a merger the successor's figure may count several communes of the
-- boundary layer (L'Orée de Mormal 2026 = Amfroipret + Bermeries).
CREATE TABLE commune_population (
    country    char(2) NOT NULL,
    code       text NOT NULL,
    year       smallint NOT NULL,
    population integer NOT NULL CHECK (population >= 0),
    covers     text[] NOT NULL,
    source_id  text NOT NULL REFERENCES source (id),
    PRIMARY KEY (country, code, year),
    FOREIGN KEY (country, code) REFERENCES commune (country, code) ON DELETE CASCADE
);

-- Changes of commune codes (mergers, recodings), recorded in data/ and loaded as facts.
CREATE TABLE commune_change (
    effective  date NOT NULL,
    country    char(2) NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('merger', 'recode')),
    old_code   text NOT NULL,
    old_name   text NOT NULL,
    new_code   text NOT NULL,
    new_name   text NOT NULL,
    note       text NOT NULL DEFAULT '',
    PRIMARY KEY (country, old_code, effective)
);

-- The national border as a line, derived from the communes at ingest.
CREATE TABLE national_border (
    id        integer PRIMARY KEY,
    countries text NOT NULL,
    geom      geometry(MultiLineString, 4326) NOT NULL,
    geom_3857 geometry(MultiLineString, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX national_border_geom_3857_idx ON national_border USING gist (geom_3857);

-- One row per ingest that committed; the latest id is the data version that tile URLs
-- carry, so caches never serve a tile of older data.
CREATE TABLE data_release (
    id        bigserial PRIMARY KEY,
    manifest  text NOT NULL,
    name      text NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    summary   jsonb NOT NULL
);
