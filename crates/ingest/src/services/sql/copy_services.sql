COPY service (id, category, name, address, country, commune_code, geom, first_seen, last_seen, closure_candidate, sources)
FROM STDIN (FORMAT binary)
