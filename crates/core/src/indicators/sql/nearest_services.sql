-- The open services of the categories in scope, for the search in the process
-- (indicators/nearest): category, country (NULL for points kept just outside the study
-- area: they count across the border only), id, longitude, latitude.
COPY (
    SELECT s.category, s.country, s.id, ST_X(s.geom), ST_Y(s.geom)
    FROM service s
    WHERE NOT s.closure_candidate
      AND s.category IN (SELECT DISTINCT category FROM nearest_scope)
) TO STDOUT (FORMAT binary)
