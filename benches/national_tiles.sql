-- The tile list of the national benchmark (benches/tiles_vs_martin.sh with NATIONAL=DIR),
-- one `z/x/y` per line, over the whole of France and Belgium from z5 to z14:
--
-- * z5 to z7: every tile that holds a commune (the first views of the atlas);
-- * z8 to z14: :per_zoom draws per zoom level, each the tile under one point:
--   60 % at a point of a commune drawn in proportion to its population (where people
--   look), 25 % at a point drawn uniformly over the communes' land (mostly rural tiles),
--   15 % at a point drawn uniformly in the box of both countries (sea, neighbouring
--   countries: mostly empty tiles, which viewers at a border or a coast ask for too).
--
-- Draws are md5 hashes of the zoom, the draw's number and its purpose, and points in a
-- commune come from ST_GeneratePoints with a fixed seed: the same database always gives
-- the same list. An address drawn twice is listed once. Lines are in md5 order, so a
-- client cycling through the list mixes zooms and places.
\set ON_ERROR_STOP on

-- Uniform in [0, 1) from a text key.
CREATE FUNCTION pg_temp.unit(key text) RETURNS float8
LANGUAGE sql IMMUTABLE
RETURN ('x' || substr(md5(key), 1, 8))::bit(32)::bigint / 4294967296.0;

-- Each commune's share of the population and of the land, as cumulative bounds.
CREATE TEMP TABLE weight AS
SELECT c.geom_3857,
       (sum(coalesce(c.population, 0)) OVER w)::float8 AS people_to,
       sum(c.area_km2) OVER w AS land_to
FROM commune c
WINDOW w AS (ORDER BY c.country, c.code);
CREATE INDEX ON weight (people_to);
CREATE INDEX ON weight (land_to);
ANALYZE weight;

CREATE TEMP TABLE draw AS
WITH params AS (
    SELECT :per_zoom::int AS n,
           (SELECT max(people_to) FROM weight) AS people,
           (SELECT max(land_to) FROM weight) AS land,
           (SELECT ST_Extent(geom_3857) FROM commune) AS box
),
draws AS (
    SELECT z, i,
           CASE WHEN i <= 0.60 * n THEN 'people' WHEN i <= 0.85 * n THEN 'land' ELSE 'empty' END AS kind,
           pg_temp.unit(z || '/' || i || '/pick') AS u,
           pg_temp.unit(z || '/' || i || '/x') AS ux,
           pg_temp.unit(z || '/' || i || '/y') AS uy
    FROM params, generate_series(8, 14) AS z, generate_series(1, n) AS i
)
SELECT d.z,
       CASE d.kind
           WHEN 'empty' THEN ST_MakePoint(ST_XMin(p.box) + d.ux * (ST_XMax(p.box) - ST_XMin(p.box)),
                                          ST_YMin(p.box) + d.uy * (ST_YMax(p.box) - ST_YMin(p.box)))
           ELSE ST_GeometryN(ST_GeneratePoints(c.geom_3857, 1, (d.z * 100000 + d.i)::int), 1)
       END AS point
FROM draws d
CROSS JOIN params p
LEFT JOIN LATERAL (
    SELECT w.geom_3857 FROM weight w
    WHERE d.kind = 'people' AND w.people_to > d.u * p.people
    ORDER BY w.people_to LIMIT 1
) AS by_people ON true
LEFT JOIN LATERAL (
    SELECT w.geom_3857 FROM weight w
    WHERE d.kind = 'land' AND w.land_to > d.u * p.land
    ORDER BY w.land_to LIMIT 1
) AS by_land ON true
CROSS JOIN LATERAL (SELECT coalesce(by_people.geom_3857, by_land.geom_3857) AS geom_3857) AS c;

-- Web Mercator's extent is ±20037508.342789244 m on both axes; tile (x, y) of zoom z
-- spans 2 × that / 2^z, y counted from the north.
WITH low AS (
    SELECT z, x, y
    FROM generate_series(5, 7) AS z,
         LATERAL (SELECT ST_Extent(geom_3857) AS box FROM commune) AS e,
         LATERAL generate_series(floor((ST_XMin(e.box) + 20037508.342789244) / (40075016.685578488 / 2 ^ z))::int,
                                 floor((ST_XMax(e.box) + 20037508.342789244) / (40075016.685578488 / 2 ^ z))::int) AS x,
         LATERAL generate_series(floor((20037508.342789244 - ST_YMax(e.box)) / (40075016.685578488 / 2 ^ z))::int,
                                 floor((20037508.342789244 - ST_YMin(e.box)) / (40075016.685578488 / 2 ^ z))::int) AS y
    WHERE EXISTS (SELECT 1 FROM commune c WHERE c.geom_3857 && ST_TileEnvelope(z, x, y))
),
high AS (
    SELECT DISTINCT z,
           floor((ST_X(point) + 20037508.342789244) / (40075016.685578488 / 2 ^ z))::int AS x,
           floor((20037508.342789244 - ST_Y(point)) / (40075016.685578488 / 2 ^ z))::int AS y
    FROM draw
),
addresses AS (SELECT * FROM low UNION SELECT * FROM high)
SELECT z || '/' || x || '/' || y FROM addresses ORDER BY md5(z || '/' || x || '/' || y);
