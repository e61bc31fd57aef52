COPY service_staging (ord, location, record_id, category, raw_category, name, address, source_commune, x, y, seen_on, status, attributes)
FROM STDIN (FORMAT csv)
