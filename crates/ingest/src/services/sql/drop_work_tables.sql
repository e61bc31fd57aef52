DROP TABLE IF EXISTS service_located, service_entity, service_merge_candidate, service_merge
