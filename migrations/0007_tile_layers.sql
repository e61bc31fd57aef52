-- Vector tile layers: geometry simplified ahead of time per zoom band, the administrative
-- boundaries as lines, and a version per layer that every change to the data behind a
-- layer advances, so that tile URLs (and every cache keyed on them) never serve a tile of
-- older data.

-- Simplified outlines in Web Mercator metres. The tolerance of each band is four tile units
-- (4/4096 of a tile's width: half a pixel of a tile drawn 512 pixels wide) at the band's
-- highest zoom: z0-6 use geom_3857_z6, z7-8
-- geom_3857_z8, z9-10 geom_3857_z10, and z11 and beyond the exact outline.
ALTER TABLE commune
    ADD COLUMN geom_3857_z6 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS
        (ST_Multi(ST_SimplifyPreserveTopology(ST_Transform(geom, 3857), 611.49622628141))) STORED,
    ADD COLUMN geom_3857_z8 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS
        (ST_Multi(ST_SimplifyPreserveTopology(ST_Transform(geom, 3857), 152.8740565703525))) STORED,
    ADD COLUMN geom_3857_z10 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS
        (ST_Multi(ST_SimplifyPreserveTopology(ST_Transform(geom, 3857), 38.21851414258813))) STORED;

ALTER TABLE national_border
    ADD COLUMN geom_3857_z6 geometry(MultiLineString, 3857) GENERATED ALWAYS AS
        (ST_Multi(ST_Simplify(ST_Transform(geom, 3857), 611.49622628141))) STORED,
    ADD COLUMN geom_3857_z8 geometry(MultiLineString, 3857) GENERATED ALWAYS AS
        (ST_Multi(ST_Simplify(ST_Transform(geom, 3857), 152.8740565703525))) STORED,
    ADD COLUMN geom_3857_z10 geometry(MultiLineString, 3857) GENERATED ALWAYS AS
        (ST_Multi(ST_Simplify(ST_Transform(geom, 3857), 38.21851414258813))) STORED;

-- Services in Web Mercator, for the tile envelope's index search.
ALTER TABLE service
    ADD COLUMN geom_3857 geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED;
CREATE INDEX service_geom_3857_idx ON service USING gist (geom_3857);

-- The outlines of arrondissements and intercommunalities as lines, derived from the
-- communes when a transaction that changed them commits.
CREATE TABLE admin_boundary (
    kind          text NOT NULL CHECK (kind IN ('arrondissement', 'intercommunality')),
    country       char(2) NOT NULL,
    code          text NOT NULL,
    name_nl       text,
    name_fr       text,
    geom_3857     geometry(MultiLineString, 3857) NOT NULL,
    geom_3857_z6  geometry(MultiLineString, 3857) GENERATED ALWAYS AS
        (ST_Multi(ST_Simplify(geom_3857, 611.49622628141))) STORED,
    geom_3857_z8  geometry(MultiLineString, 3857) GENERATED ALWAYS AS
        (ST_Multi(ST_Simplify(geom_3857, 152.8740565703525))) STORED,
    geom_3857_z10 geometry(MultiLineString, 3857) GENERATED ALWAYS AS
        (ST_Multi(ST_Simplify(geom_3857, 38.21851414258813))) STORED,
    PRIMARY KEY (kind, country, code)
);
CREATE INDEX admin_boundary_geom_3857_idx ON admin_boundary USING gist (geom_3857);

CREATE FUNCTION refresh_admin_boundaries() RETURNS void
LANGUAGE sql VOLATILE
BEGIN ATOMIC
    DELETE FROM admin_boundary;
    INSERT INTO admin_boundary (kind, country, code, name_nl, name_fr, geom_3857)
    SELECT 'arrondissement', country, arrondissement_code, max(arrondissement_nl), max(arrondissement_fr),
           ST_Multi(ST_CollectionExtract(ST_Boundary(ST_Union(geom_3857)), 2))
    FROM commune
    WHERE arrondissement_code IS NOT NULL
    GROUP BY country, arrondissement_code;
    INSERT INTO admin_boundary (kind, country, code, name_nl, name_fr, geom_3857)
    SELECT 'intercommunality', country, intercommunality_code, NULL, max(intercommunality_name),
           ST_Multi(ST_CollectionExtract(ST_Boundary(ST_Union(geom_3857)), 2))
    FROM commune
    WHERE intercommunality_code IS NOT NULL
    GROUP BY country, intercommunality_code;
END;

-- A statement that changes the communes marks the boundaries stale; a deferred trigger
-- derives them once, when the transaction commits, however many statements changed them.
CREATE TABLE admin_boundary_stale (
    id boolean PRIMARY KEY DEFAULT true CHECK (id)
);

CREATE FUNCTION mark_admin_boundaries_stale() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO admin_boundary_stale DEFAULT VALUES ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION derive_stale_admin_boundaries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM admin_boundary_stale) THEN
        PERFORM refresh_admin_boundaries();
        DELETE FROM admin_boundary_stale;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER commune_marks_admin_boundaries
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON commune
    FOR EACH STATEMENT EXECUTE FUNCTION mark_admin_boundaries_stale();

CREATE CONSTRAINT TRIGGER admin_boundaries_at_commit
    AFTER INSERT ON admin_boundary_stale
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION derive_stale_admin_boundaries();

-- Databases migrated with communes already in them.
SELECT refresh_admin_boundaries();

-- One row: the version of each tile layer. A statement that changes the data behind a
-- layer advances that layer's version in its own transaction (so the new version is seen
-- exactly when the new data is) and notifies the servers on 'tile_layer_version' when it
-- commits. A single row keeps concurrent writers from locking versions in opposite orders.
CREATE TABLE tile_layer_version (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    communes bigint NOT NULL DEFAULT 1,
    services bigint NOT NULL DEFAULT 1,
    borders  bigint NOT NULL DEFAULT 1
);
INSERT INTO tile_layer_version DEFAULT VALUES;

-- Trigger arguments: the layers the table feeds.
CREATE FUNCTION advance_tile_layer_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tile_layer_version
    SET communes = communes + ('communes' = ANY (TG_ARGV))::int,
        services = services + ('services' = ANY (TG_ARGV))::int,
        borders  = borders  + ('borders'  = ANY (TG_ARGV))::int;
    PERFORM pg_notify('tile_layer_version', '');
    RETURN NULL;
END $$;

CREATE TRIGGER commune_advances_tiles
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON commune
    FOR EACH STATEMENT EXECUTE FUNCTION advance_tile_layer_version('communes', 'borders');
CREATE TRIGGER indicator_value_advances_tiles
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON indicator_value
    FOR EACH STATEMENT EXECUTE FUNCTION advance_tile_layer_version('communes');
CREATE TRIGGER national_border_advances_tiles
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON national_border
    FOR EACH STATEMENT EXECUTE FUNCTION advance_tile_layer_version('borders');
CREATE TRIGGER admin_boundary_advances_tiles
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON admin_boundary
    FOR EACH STATEMENT EXECUTE FUNCTION advance_tile_layer_version('borders');
CREATE TRIGGER service_advances_tiles
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service
    FOR EACH STATEMENT EXECUTE FUNCTION advance_tile_layer_version('services');
CREATE TRIGGER service_provenance_advances_tiles
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service_provenance
    FOR EACH STATEMENT EXECUTE FUNCTION advance_tile_layer_version('services');
CREATE TRIGGER service_category_advances_tiles
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service_category
    FOR EACH STATEMENT EXECUTE FUNCTION advance_tile_layer_version('services');
CREATE TRIGGER service_group_advances_tiles
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service_group
    FOR EACH STATEMENT EXECUTE FUNCTION advance_tile_layer_version('services');
