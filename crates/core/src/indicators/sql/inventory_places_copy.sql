-- The places that have a kind of inventoried service, for the search in the process
-- (indicators/nearest/communes.rs): kind, origin, longitude, latitude.
COPY (
    SELECT kind, origin, ST_X(geom), ST_Y(geom)
    FROM having_service
) TO STDOUT (FORMAT binary)
