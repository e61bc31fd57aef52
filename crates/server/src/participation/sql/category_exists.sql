-- $1 a category id
SELECT EXISTS (SELECT 1 FROM service_category WHERE id = $1)
