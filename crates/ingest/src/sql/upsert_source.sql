-- A source named by a manifest ($7 its region, NULL for a manifest of no region, which
-- leaves the source in the region it has).
INSERT INTO source (id, title, path, publisher, licence, reference_date, loaded_at, region_id)
VALUES ($1, $2, $3, $4, $5, $6, now(), $7)
ON CONFLICT (id) DO UPDATE
SET title = EXCLUDED.title, path = EXCLUDED.path, publisher = EXCLUDED.publisher,
    licence = EXCLUDED.licence, reference_date = EXCLUDED.reference_date, loaded_at = now(),
    region_id = coalesce(EXCLUDED.region_id, source.region_id)
