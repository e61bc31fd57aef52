-- The communes without a kind of inventoried service, for the search in the process
-- (indicators/nearest/communes.rs): id, kind, longitude, latitude.
COPY (
    SELECT id, kind, ST_X(geom), ST_Y(geom)
    FROM inventory_access
    WHERE NOT has_it
) TO STDOUT (FORMAT binary)
