COPY service_staging (ord, location, record_id, category, raw_category, name, address, source_commune, x, y, seen_on, status, attributes, located, found_country, found_code)
FROM STDIN (FORMAT csv)
