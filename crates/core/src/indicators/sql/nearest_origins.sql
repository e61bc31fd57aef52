-- The (origin, category) pairs in scope, for the search in the process
-- (indicators/nearest): category, origin, its country, longitude, latitude.
COPY (
    SELECT n.category, o.id, o.country, ST_X(o.geom), ST_Y(o.geom)
    FROM nearest_scope n
    JOIN access_origin o ON o.id = n.origin
) TO STDOUT (FORMAT binary)
