-- The end of an export's transaction (export_begin.sql).
COMMIT
