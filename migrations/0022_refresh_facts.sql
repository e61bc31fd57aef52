-- Two facts every indicator refresh starts from (indicators/sql/prepare.sql): which
-- sources list services of which category, and the days each source saw its records on
-- (its snapshot series). Read from the whole service tables they took 4 to 4.9 s of the
-- 5.5 s refresh after one changed service, with 2.5 million services. PostgreSQL keeps
-- them here as counts, so that every writer (the ingest's loads, services::write, the
-- tests) keeps them right without knowing they exist, and the refresh reads a few rows.
--
-- Each statement that writes `service` or `service_provenance` adds what its new rows
-- count and subtracts what its old rows counted, grouped (statement triggers with
-- transition tables: one per event, PostgreSQL allows no more). A count never goes below
-- 0 (a row missing here fails the write rather than the figures); a pair whose count
-- reaches 0 is deleted, so a row exists exactly when a service has it.
-- The triggers are named to fire after the tile versions' (migration 0007), which every
-- writer locks first: concurrent writers then take these rows in one order.
-- session_replication_role = replica turns them off; recount_refresh_facts() counts
-- again from scratch after such a write (the national benchmark's generator).

-- Services per category and source listed on the service (migration 0012).
CREATE TABLE category_source (
    category  text NOT NULL,
    source_id text NOT NULL,
    services  bigint NOT NULL CHECK (services >= 0),
    PRIMARY KEY (category, source_id)
);

-- Provenance rows per source and day they were seen on.
CREATE TABLE source_day (
    source_id text NOT NULL,
    day       date NOT NULL,
    sightings bigint NOT NULL CHECK (sightings >= 0),
    PRIMARY KEY (source_id, day)
);

-- The grouped change a statement made is applied in one statement: existing pairs are
-- updated (a count below 0 fails the check), new ones inserted (ON CONFLICT: a pair another
-- transaction inserted meanwhile), then pairs at 0 deleted. (An upsert alone checks its
-- proposed row, a negative count, before it finds the conflict.)
CREATE FUNCTION count_category_sources() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    categories text[];
    sources text[];
    counts bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM category_source;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(category), array_agg(source_id), array_agg(n) INTO categories, sources, counts
        FROM (SELECT s.category, listed.source_id, count(*) AS n
              FROM added s CROSS JOIN unnest(s.sources) AS listed(source_id)
              GROUP BY 1, 2) AS change;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(category), array_agg(source_id), array_agg(n) INTO categories, sources, counts
        FROM (SELECT s.category, listed.source_id, -count(*) AS n
              FROM removed s CROSS JOIN unnest(s.sources) AS listed(source_id)
              GROUP BY 1, 2) AS change;
    ELSE
        -- most updates change neither (dates, names, communes): nothing to write
        SELECT array_agg(category), array_agg(source_id), array_agg(n) INTO categories, sources, counts
        FROM (SELECT category, source_id, sum(n) AS n
              FROM (SELECT s.category, listed.source_id, 1 AS n
                    FROM added s CROSS JOIN unnest(s.sources) AS listed(source_id)
                    UNION ALL
                    SELECT s.category, listed.source_id, -1
                    FROM removed s CROSS JOIN unnest(s.sources) AS listed(source_id)) AS each_row
              GROUP BY 1, 2
              HAVING sum(n) <> 0) AS change;
    END IF;
    IF categories IS NULL THEN
        RETURN NULL;
    END IF;
    WITH change AS (
        SELECT * FROM unnest(categories, sources, counts) AS d(category, source_id, n)
    ),
    counted AS (
        UPDATE category_source c
        SET services = c.services + d.n
        FROM change d
        WHERE c.category = d.category AND c.source_id = d.source_id
        RETURNING c.category, c.source_id
    )
    INSERT INTO category_source AS c (category, source_id, services)
    SELECT d.category, d.source_id, d.n
    FROM change d
    WHERE NOT EXISTS (SELECT 1 FROM counted k WHERE k.category = d.category AND k.source_id = d.source_id)
    ON CONFLICT (category, source_id) DO UPDATE SET services = c.services + excluded.services;
    IF EXISTS (SELECT 1 FROM unnest(counts) AS n WHERE n < 0) THEN
        DELETE FROM category_source WHERE services = 0;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION count_source_days() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    sources text[];
    days date[];
    counts bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM source_day;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(source_id), array_agg(day), array_agg(n) INTO sources, days, counts
        FROM (SELECT p.source_id, seen.day, count(*) AS n
              FROM added p CROSS JOIN unnest(p.seen_on) AS seen(day)
              GROUP BY 1, 2) AS change;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(source_id), array_agg(day), array_agg(n) INTO sources, days, counts
        FROM (SELECT p.source_id, seen.day, -count(*) AS n
              FROM removed p CROSS JOIN unnest(p.seen_on) AS seen(day)
              GROUP BY 1, 2) AS change;
    ELSE
        SELECT array_agg(source_id), array_agg(day), array_agg(n) INTO sources, days, counts
        FROM (SELECT source_id, day, sum(n) AS n
              FROM (SELECT p.source_id, seen.day, 1 AS n
                    FROM added p CROSS JOIN unnest(p.seen_on) AS seen(day)
                    UNION ALL
                    SELECT p.source_id, seen.day, -1
                    FROM removed p CROSS JOIN unnest(p.seen_on) AS seen(day)) AS each_row
              GROUP BY 1, 2
              HAVING sum(n) <> 0) AS change;
    END IF;
    IF sources IS NULL THEN
        RETURN NULL;
    END IF;
    WITH change AS (
        SELECT * FROM unnest(sources, days, counts) AS d(source_id, day, n)
    ),
    counted AS (
        UPDATE source_day c
        SET sightings = c.sightings + d.n
        FROM change d
        WHERE c.source_id = d.source_id AND c.day = d.day
        RETURNING c.source_id, c.day
    )
    INSERT INTO source_day AS c (source_id, day, sightings)
    SELECT d.source_id, d.day, d.n
    FROM change d
    WHERE NOT EXISTS (SELECT 1 FROM counted k WHERE k.source_id = d.source_id AND k.day = d.day)
    ON CONFLICT (source_id, day) DO UPDATE SET sightings = c.sightings + excluded.sightings;
    IF EXISTS (SELECT 1 FROM unnest(counts) AS n WHERE n < 0) THEN
        DELETE FROM source_day WHERE sightings = 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER service_counts_category_sources_insert
    AFTER INSERT ON service REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION count_category_sources();
CREATE TRIGGER service_counts_category_sources_update
    AFTER UPDATE ON service REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION count_category_sources();
CREATE TRIGGER service_counts_category_sources_delete
    AFTER DELETE ON service REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION count_category_sources();
CREATE TRIGGER service_counts_category_sources_truncate
    AFTER TRUNCATE ON service
    FOR EACH STATEMENT EXECUTE FUNCTION count_category_sources();

CREATE TRIGGER service_provenance_counts_source_days_insert
    AFTER INSERT ON service_provenance REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION count_source_days();
CREATE TRIGGER service_provenance_counts_source_days_update
    AFTER UPDATE ON service_provenance REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION count_source_days();
CREATE TRIGGER service_provenance_counts_source_days_delete
    AFTER DELETE ON service_provenance REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION count_source_days();
CREATE TRIGGER service_provenance_counts_source_days_truncate
    AFTER TRUNCATE ON service_provenance
    FOR EACH STATEMENT EXECUTE FUNCTION count_source_days();

-- Both counted from scratch: the rows already loaded, and after writes made with the
-- triggers off.
CREATE FUNCTION recount_refresh_facts() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM category_source;
    INSERT INTO category_source (category, source_id, services)
    SELECT s.category, listed.source_id, count(*)
    FROM service s CROSS JOIN unnest(s.sources) AS listed(source_id)
    GROUP BY 1, 2;
    DELETE FROM source_day;
    INSERT INTO source_day (source_id, day, sightings)
    SELECT p.source_id, seen.day, count(*)
    FROM service_provenance p CROSS JOIN unnest(p.seen_on) AS seen(day)
    GROUP BY 1, 2;
$$;

SELECT recount_refresh_facts();
