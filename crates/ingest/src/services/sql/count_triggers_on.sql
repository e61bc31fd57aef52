-- The counting triggers of migration 0022 back on after the direct load's COPYs (see
-- count_triggers_off.sql): the merge's UPDATE and DELETE are counted by them, as any write.
ALTER TABLE service ENABLE TRIGGER service_counts_category_sources_insert;
ALTER TABLE service_provenance ENABLE TRIGGER service_provenance_counts_source_days_insert;
