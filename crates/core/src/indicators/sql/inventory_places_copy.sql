-- The places that have a kind of inventoried service, for the search in the process
-- (indicators/nearest/communes.rs): kind, origin, longitude, latitude.
COPY (
    SELECT kind, h.origin, ST_X(h.geom), ST_Y(h.geom)
    FROM having_service h CROSS JOIN unnest(h.kinds) AS kind
) TO STDOUT (FORMAT binary)
