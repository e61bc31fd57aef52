-- How many records a source has loaded so far (what a new load of it replaces).
SELECT count(*) FROM service_provenance WHERE source_id = $1
