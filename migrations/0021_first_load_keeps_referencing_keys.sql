-- A large first load of a source deletes no service and changes no service id, and only a
-- delete or a changed id is checked against the keys of other tables that point at
-- `service` (nearest services, measures, citizens' reports). Setting those keys aside
-- with the table's own (migration 0014, for replacing a source) made the load check every
-- row of those tables again when they came back: access_nearest alone took 0.37 s after
-- a 267,452-point load into the Westhoek release, and it grows with the number of
-- communes, not with the load. `referencing => false` leaves them in place; the default
-- (true) sets them aside as before. Called again with true in the same transaction, it
-- sets aside those it left.
DROP FUNCTION service_load_detach();
CREATE FUNCTION service_load_detach(referencing boolean DEFAULT true) RETURNS integer
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
        WHERE c.contype = 'f'
          AND (c.conrelid IN ('service'::regclass, 'service_provenance'::regclass)
               OR (referencing AND c.confrelid = 'service'::regclass))
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
