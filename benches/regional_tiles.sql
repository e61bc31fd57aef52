-- The tile list of the regional benchmarks (benches/tiles_vs_martin.sh,
-- benches/tile_query_version.sh), from the communes loaded: every tile from z6 to z14 that
-- holds a commune, up to :per_zoom of each zoom (the first in md5 order of their address).
-- Kept as the table bench_tile (n, z, x, y), numbered in md5 order so that a client cycling
-- through it mixes zooms and places, and printed as one `z/x/y` per line in that order.
\set ON_ERROR_STOP on
CREATE TABLE bench_tile AS
WITH ext AS (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom_3857), 3857), 4326) AS e FROM commune),
zooms AS (SELECT generate_series(6, 14) AS z),
ranges AS (
    SELECT z, floor((ST_XMin(e) + 180) / 360 * 2 ^ z)::int AS x0,
              floor((ST_XMax(e) + 180) / 360 * 2 ^ z)::int AS x1,
              floor((1 - ln(tan(radians(ST_YMax(e))) + 1 / cos(radians(ST_YMax(e)))) / pi()) / 2 * 2 ^ z)::int AS y0,
              floor((1 - ln(tan(radians(ST_YMin(e))) + 1 / cos(radians(ST_YMin(e)))) / pi()) / 2 * 2 ^ z)::int AS y1
    FROM zooms, ext
),
tiles AS (
    SELECT r.z, x, y
    FROM ranges r, generate_series(r.x0, r.x1) AS x, generate_series(r.y0, r.y1) AS y
    WHERE EXISTS (SELECT 1 FROM commune c WHERE c.geom_3857 && ST_TileEnvelope(r.z, x, y))
),
ranked AS (
    SELECT z, x, y, row_number() OVER (PARTITION BY z ORDER BY md5(z || '/' || x || '/' || y)) AS rank
    FROM tiles
)
SELECT row_number() OVER (ORDER BY md5(z || '/' || x || '/' || y))::int AS n, z, x, y
FROM ranked WHERE rank <= :per_zoom;
CREATE UNIQUE INDEX ON bench_tile (n);
ANALYZE bench_tile;
SELECT z || '/' || x || '/' || y FROM bench_tile ORDER BY n;
