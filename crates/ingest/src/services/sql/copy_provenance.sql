COPY service_provenance (service_id, source_id, record_id, raw_category, source_commune, status, seen_on, attributes)
FROM STDIN (FORMAT binary)
