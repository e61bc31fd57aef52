-- $1 = a category id: whether the taxonomy loaded it.
SELECT EXISTS (SELECT 1 FROM service_category WHERE id = $1)
