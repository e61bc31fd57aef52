-- Services: one bilingual taxonomy, points with provenance and dates, counts per commune
-- for sources without points, measures over time, and which source covers what.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE service_group (
    id       text PRIMARY KEY,
    label_nl text NOT NULL,
    label_fr text NOT NULL,
    label_en text NOT NULL
);

CREATE TABLE service_category (
    id              text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]*$'),
    group_id        text NOT NULL REFERENCES service_group (id),
    label_nl        text NOT NULL,
    label_fr        text NOT NULL,
    label_en        text NOT NULL,
    everyday_basket boolean NOT NULL
);

-- Split outlines (at most 64 vertices each) so that finding the commune of a million
-- points probes small polygons.
CREATE TABLE commune_part (
    country char(2) NOT NULL,
    code    text NOT NULL,
    geom    geometry(Polygon, 4326) NOT NULL,
    FOREIGN KEY (country, code) REFERENCES commune (country, code) ON DELETE CASCADE
);
CREATE INDEX commune_part_geom_idx ON commune_part USING gist (geom);

-- The study area widened by 5 km (in ETRS89-LAEA metres), split into small pieces: a
-- point outside it is too far from every commune to count for access.
CREATE TABLE study_area_part (
    geom geometry(Polygon, 4326) NOT NULL
);
CREATE INDEX study_area_part_geom_idx ON study_area_part USING gist (geom);

-- A service as it exists on the ground. Several sources may describe it (see provenance).
CREATE TABLE service (
    id              bigserial PRIMARY KEY,
    category        text NOT NULL REFERENCES service_category (id),
    name            text,
    address         text,
    -- the commune it lies in, found spatially; NULL for points kept just outside the
    -- study area (they still count for cross-border access)
    country         char(2),
    commune_code    text,
    geom            geometry(Point, 4326) NOT NULL,
    -- the dates a source saw it: it is known to exist from first_seen to last_seen
    first_seen      date NOT NULL,
    last_seen       date NOT NULL CHECK (last_seen >= first_seen),
    -- seen in a snapshot series but not in its latest snapshot
    closure_candidate boolean NOT NULL DEFAULT false,
    FOREIGN KEY (country, commune_code) REFERENCES commune (country, code) ON DELETE SET NULL (commune_code)
);
CREATE INDEX service_geom_idx ON service USING gist (geom);
CREATE INDEX service_commune_idx ON service (country, commune_code, category);

-- Where a service is described: one row per source record.
CREATE TABLE service_provenance (
    service_id     bigint NOT NULL REFERENCES service (id) ON DELETE CASCADE,
    source_id      text NOT NULL REFERENCES source (id),
    record_id      text NOT NULL,
    raw_category   text NOT NULL,
    source_commune text,
    status         text,
    seen_on        date[] NOT NULL,
    attributes     jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (source_id, record_id, raw_category)
);
CREATE INDEX service_provenance_service_idx ON service_provenance (service_id);

-- Counts per commune, category and year, from sources that have no points (INSEE BPE).
CREATE TABLE service_count (
    country   char(2) NOT NULL,
    code      text NOT NULL,
    category  text NOT NULL REFERENCES service_category (id),
    year      smallint NOT NULL,
    count     integer NOT NULL CHECK (count >= 0),
    source_id text NOT NULL REFERENCES source (id),
    PRIMARY KEY (country, code, category, year, source_id),
    FOREIGN KEY (country, code) REFERENCES commune (country, code) ON DELETE CASCADE
);

-- Numbers measured on a service over time (train stops per day, boardings, facilities).
CREATE TABLE service_measure (
    service_id bigint NOT NULL REFERENCES service (id) ON DELETE CASCADE,
    source_id  text NOT NULL REFERENCES source (id),
    measure    text NOT NULL,
    on_date    date NOT NULL,
    value      double precision NOT NULL,
    PRIMARY KEY (service_id, source_id, measure, on_date)
);

-- Which side of the border each source covers: the countries where its absence of a
-- service means "none here" rather than "not known here".
CREATE TABLE source_coverage (
    source_id text NOT NULL REFERENCES source (id) ON DELETE CASCADE,
    country   char(2) NOT NULL,
    PRIMARY KEY (source_id, country)
);

-- Category × country × date: what the loaded sources can tell, in which form.
CREATE VIEW service_coverage AS
SELECT p.category, sc.country, p.form, p.source_id, p.first_date, p.last_date, p.records
FROM (
    SELECT s.category, pr.source_id, 'points'::text AS form,
           min(d) AS first_date, max(d) AS last_date, count(DISTINCT s.id) AS records
    FROM service s
    JOIN service_provenance pr ON pr.service_id = s.id
    CROSS JOIN LATERAL unnest(pr.seen_on) AS d
    GROUP BY s.category, pr.source_id
    UNION ALL
    SELECT category, source_id, 'counts', make_date(min(year), 1, 1), make_date(max(year), 1, 1), sum(count)
    FROM service_count
    GROUP BY category, source_id
) AS p
JOIN source_coverage sc ON sc.source_id = p.source_id;

-- A service's name without the words that only say what it is ("Apotheek", "Bureau de
-- poste", "Gare de"), lower-cased: what is left tells two services of a kind apart.
CREATE FUNCTION service_name_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN trim(regexp_replace(
    regexp_replace(lower(coalesce(name, '')),
        '\m(apotheek|apotheke|pharmacie|pharmacy|officine|bureau|poste|post|postkantoor|postpunt|agence|postale|communale|relais|commercant|gare|station|halte|sncf|nmbs|sncb|hopital|hôpital|ziekenhuis|az|ch|chu|clinique|kliniek|centre|hospitalier|bakkerij|boulangerie|de|du|des|la|le|les|het|van|der|den|d|l|bvba|bv|nv|sprl|srl|sa|sarl|bp|ap|rp)\M',
        ' ', 'g'),
    '\s+', ' ', 'g'));
