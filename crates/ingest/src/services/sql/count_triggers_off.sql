-- The direct load's two COPYs write every row of a large first load; the statement
-- triggers of migration 0022 would keep every one of them in a transition table and group
-- it again (the load fell from 1.19x to 0.87x ogr2ogr with them). Set aside for those
-- COPYs only: count_direct_services.sql and count_direct_provenance.sql count the rows
-- once, then count_triggers_on.sql restores them before the merge, whose UPDATE and DELETE
-- they count. The load already holds both tables ACCESS EXCLUSIVE (service_load_detach()
-- dropped their indexes), so this waits for no one, and ALTER TABLE is transactional: an
-- error, or the rollback to the load's savepoint, restores the triggers.
ALTER TABLE service DISABLE TRIGGER service_counts_category_sources_insert;
ALTER TABLE service_provenance DISABLE TRIGGER service_provenance_counts_source_days_insert;
