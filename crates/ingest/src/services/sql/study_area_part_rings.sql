-- Every ring of every piece of the study area widened by 5 km, exterior ring first, with
-- exact coordinates, to test service points in Rust (see services/locate.rs).
WITH parts AS (
    SELECT row_number() OVER () AS part, geom FROM study_area_part
)
SELECT p.part, NULL::text AS country, NULL::text AS code, pt.path[1] AS ring,
       array_agg(ST_X(pt.geom) ORDER BY pt.path[2]) AS xs,
       array_agg(ST_Y(pt.geom) ORDER BY pt.path[2]) AS ys
FROM parts p
CROSS JOIN LATERAL ST_DumpPoints(p.geom) AS pt
GROUP BY p.part, pt.path[1]
ORDER BY p.part, pt.path[1]
