-- $1 a theme id
SELECT EXISTS (SELECT 1 FROM participation_theme WHERE id = $1)
