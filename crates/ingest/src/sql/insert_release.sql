INSERT INTO data_release (manifest, name, summary) VALUES ($1, $2, $3) RETURNING id
