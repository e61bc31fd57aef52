-- Every ring of every commune piece, exterior ring first, with exact coordinates, to
-- locate service points in Rust (see services/locate.rs).
WITH parts AS (
    SELECT row_number() OVER () AS part, country, code, geom FROM commune_part
)
SELECT p.part, p.country::text AS country, p.code, pt.path[1] AS ring,
       array_agg(ST_X(pt.geom) ORDER BY pt.path[2]) AS xs,
       array_agg(ST_Y(pt.geom) ORDER BY pt.path[2]) AS ys
FROM parts p
CROSS JOIN LATERAL ST_DumpPoints(p.geom) AS pt
GROUP BY p.part, p.country, p.code, pt.path[1]
ORDER BY p.part, pt.path[1]
