SELECT per_category FROM indicator WHERE id = $1
