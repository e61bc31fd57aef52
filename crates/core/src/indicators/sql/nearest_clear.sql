-- Before the next category is searched.
TRUNCATE nearest_found
