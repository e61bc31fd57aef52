-- Loading a large batch of services. Deleting a service cascades to the nearest-service
-- table; without an index on its service_id each deleted service scanned it whole.
CREATE INDEX access_nearest_service_idx ON access_nearest (service_id);

-- For a batch as large as a good part of the table, maintaining every index and checking
-- every foreign key row by row costs far more than building the indexes again and
-- checking the keys once, as one join. service_load_detach() drops the indexes of
-- `service` and `service_provenance` that back no constraint, and their foreign keys,
-- remembering each one's definition as the catalog gives it; service_load_attach()
-- restores them all, indexes first, and so checks every key of the two tables again.
-- Both run inside the ingest's transaction: readers of the two tables wait for its
-- commit, and a failed load restores everything by rolling back.
CREATE FUNCTION service_load_detach() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    item record;
    detached integer := 0;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS service_load_detached (
        step    serial PRIMARY KEY,
        restore text NOT NULL
    ) ON COMMIT DROP;
    FOR item IN
        SELECT i.indexrelid::regclass AS name, pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_index i
        WHERE i.indrelid IN ('service'::regclass, 'service_provenance'::regclass)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY i.indexrelid
    LOOP
        INSERT INTO service_load_detached (restore) VALUES (item.definition);
        EXECUTE format('DROP INDEX %s', item.name);
        detached := detached + 1;
    END LOOP;
    FOR item IN
        SELECT c.conrelid::regclass AS tab, c.conname, pg_get_constraintdef(c.oid) AS definition
        FROM pg_constraint c
        WHERE c.conrelid IN ('service'::regclass, 'service_provenance'::regclass)
          AND c.contype = 'f'
        ORDER BY c.conrelid, c.conname
    LOOP
        INSERT INTO service_load_detached (restore)
        VALUES (format('ALTER TABLE %s ADD CONSTRAINT %I %s', item.tab, item.conname, item.definition));
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', item.tab, item.conname);
        detached := detached + 1;
    END LOOP;
    RETURN detached;
END
$$;

CREATE FUNCTION service_load_attach() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    item record;
    attached integer := 0;
BEGIN
    IF to_regclass('pg_temp.service_load_detached') IS NULL THEN
        RETURN 0;
    END IF;
    -- index builds sort in memory rather than on disk
    IF pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes('256MB') THEN
        PERFORM set_config('maintenance_work_mem', '256MB', true);
    END IF;
    FOR item IN SELECT step, restore FROM pg_temp.service_load_detached ORDER BY step LOOP
        EXECUTE item.restore;
        DELETE FROM pg_temp.service_load_detached WHERE step = item.step;
        attached := attached + 1;
    END LOOP;
    RETURN attached;
END
$$;
