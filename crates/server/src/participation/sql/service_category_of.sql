-- $1 a service id, $2 a category: whether the service is of that category (no row: no
-- such service).
SELECT category = $2 FROM service WHERE id = $1
