-- What the web atlas asks of the communes: a search by name in either language that
-- ignores accents, case and punctuation (GET /api/communes?q=), and one point per commune
-- to hang its name label on (GET /api/labels).

-- unaccent is a trusted extension: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

-- A name as search compares it: accents and ligatures unfolded (é → e, œ → oe), lower
-- case, every run of other characters one space ("L'Orée-de-Mormal" → "l oree de mormal").
-- unaccent() alone is only STABLE, since its dictionary could be changed; naming the
-- dictionary makes the fold fixed, so it can be stored and indexed.
CREATE FUNCTION commune_search_key(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, name)),
                                '[^a-z0-9]+', ' ', 'g'));

ALTER TABLE commune
    -- every name of the commune, folded, for one trigram index that serves a match
    -- anywhere in any of them
    ADD COLUMN search_key text GENERATED ALWAYS AS
        (commune_search_key(name || ' ' || coalesce(name_nl, '') || ' ' || coalesce(name_fr, ''))) STORED,
    -- a point inside the outline (never a bounding-box centre, which can fall outside a
    -- crescent-shaped commune)
    ADD COLUMN label_point geometry(Point, 4326) GENERATED ALWAYS AS (ST_PointOnSurface(geom)) STORED;

CREATE INDEX commune_search_key_idx ON commune USING gin (search_key gin_trgm_ops);

-- The order of data/taxonomy.toml, which the map's legend and toggles follow.
ALTER TABLE service_group ADD COLUMN position integer NOT NULL DEFAULT 0;
ALTER TABLE service_category ADD COLUMN position integer NOT NULL DEFAULT 0;
