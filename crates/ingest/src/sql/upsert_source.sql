INSERT INTO source (id, title, path, publisher, licence, reference_date, loaded_at)
VALUES ($1, $2, $3, $4, $5, $6, now())
ON CONFLICT (id) DO UPDATE
SET title = EXCLUDED.title, path = EXCLUDED.path, publisher = EXCLUDED.publisher,
    licence = EXCLUDED.licence, reference_date = EXCLUDED.reference_date, loaded_at = now()
