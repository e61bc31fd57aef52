-- The taxonomy's category ids, for the `category` filter of the `services` collection.
SELECT id FROM service_category ORDER BY id
