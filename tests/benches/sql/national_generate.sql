-- A national-scale territory, generated for the indicator benchmark: 40,000 cells of
-- about 4.7 km × 4.6 km over an area the size of France and Belgium (12.35° × 8.3°), with
-- corners moved so that no two communes are alike. The south (34,000 cells) is FR, one
-- commune per cell; the north is BE, communes of 2 × 2 cells whose cells are their
-- sub-municipalities (access origins, like the deelgemeenten). Population is log-normal
-- (median about 600); 2.5 million services over 14 categories, from very common (bus stops)
-- to rare (hospitals), placed in communes in proportion to their population.
SELECT setseed(0.42);
SET LOCAL session_replication_role = replica; -- no per-row foreign-key triggers: consistent by construction

INSERT INTO source (id, title, path, publisher, licence, reference_date)
VALUES ('national-synthetic', 'generated national territory', '-', 'benchmark', 'none', '2026-01-01');
INSERT INTO source_coverage (source_id, country) VALUES ('national-synthetic', 'BE'), ('national-synthetic', 'FR');
INSERT INTO service_group (id, label_nl, label_fr, label_en) VALUES ('generated', 'generated', 'generated', 'generated');
CREATE TEMP TABLE weight (category text, share double precision);
INSERT INTO weight VALUES
    ('bus_stop', 0.5495), ('food_shop', 0.12), ('general_practitioner', 0.07), ('bakery', 0.06),
    ('primary_school', 0.05), ('childcare', 0.04), ('pharmacy', 0.03), ('bank', 0.03),
    ('post_point', 0.015), ('post_office', 0.01), ('library', 0.01), ('secondary_school', 0.01),
    ('rail_station', 0.004), ('hospital', 0.0015);
INSERT INTO service_category (id, group_id, label_nl, label_fr, label_en, everyday_basket)
SELECT category, 'generated', category, category, category, false FROM weight;

-- Cell corners, moved by up to a quarter of a cell (shared by the four cells around them).
CREATE TEMP TABLE corner AS
SELECT i, j,
       -4.8 + i * 0.06175 + CASE WHEN i IN (0, 200) THEN 0 ELSE 0.015 * sin(i * 12.9898 + j * 78.233) END AS x,
       42.4 + j * 0.0415 + CASE WHEN j IN (0, 200) THEN 0 ELSE 0.010 * sin(i * 39.346 + j * 11.135) END AS y
FROM generate_series(0, 200) AS i, generate_series(0, 200) AS j;
CREATE INDEX ON corner (i, j);
CREATE TEMP TABLE cell AS
SELECT c.i, c.j, c.j >= 170 AS be,
       CASE WHEN c.j >= 170 THEN (50000 + (c.i / 2) * 15 + (c.j - 170) / 2)::text ELSE lpad((c.i * 170 + c.j)::text, 5, '0') END AS code,
       CASE WHEN c.j >= 170 THEN chr(65 + (c.i % 2) * 2 + (c.j % 2)) ELSE '' END AS part,
       ST_MakePolygon(ST_MakeLine(ARRAY[ST_MakePoint(a.x, a.y), ST_MakePoint(b.x, b.y), ST_MakePoint(d.x, d.y),
                                        ST_MakePoint(e.x, e.y), ST_MakePoint(a.x, a.y)])) AS geom,
       a.x AS ax, a.y AS ay, b.x AS bx, b.y AS by, d.x AS dx, d.y AS dy, e.x AS ex, e.y AS ey
FROM (SELECT i, j FROM generate_series(0, 199) AS i, generate_series(0, 199) AS j) AS c
JOIN corner a ON a.i = c.i AND a.j = c.j
JOIN corner b ON b.i = c.i + 1 AND b.j = c.j
JOIN corner d ON d.i = c.i + 1 AND d.j = c.j + 1
JOIN corner e ON e.i = c.i AND e.j = c.j + 1;
UPDATE cell SET geom = ST_SetSRID(geom, 4326);

INSERT INTO commune (country, code, name, source_id, geom, area_km2)
SELECT CASE WHEN bool_or(be) THEN 'BE' ELSE 'FR' END, code, 'commune ' || code, 'national-synthetic',
       ST_Multi(ST_Union(geom)), sum(ST_Area(geom::geography)) / 1e6
FROM cell GROUP BY code;
INSERT INTO sub_municipality (code, name, country, commune, source_id, geom)
SELECT code || part, 'part ' || code || part, 'BE', code, 'national-synthetic', ST_Multi(geom) FROM cell WHERE be;
INSERT INTO access_origin (id, country, commune, geom)
SELECT CASE WHEN be THEN 'BE-' || code || part ELSE 'FR-' || code END, CASE WHEN be THEN 'BE' ELSE 'FR' END, code,
       ST_PointOnSurface(geom)
FROM cell;

-- Log-normal population (Box–Muller), two years so that change can be computed.
CREATE TEMP TABLE people AS
SELECT country, code,
       greatest(1, round(exp(6.4 + 1.3 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))))::int AS population
FROM commune;
INSERT INTO commune_population (country, code, year, population, covers, source_id)
SELECT country, code, y, CASE WHEN y = 2015 THEN round(population * (0.9 + 0.2 * random()))::int ELSE population END,
       ARRAY[code], 'national-synthetic'
FROM people, (VALUES (2015), (2025)) AS years(y);
UPDATE commune c SET population = p.population, population_year = 2025 FROM people p
WHERE p.country = c.country AND p.code = c.code;

-- Services: per commune and category, the expected number from its share of population
-- (rounded at random), each at a random place inside one of the commune's cells.
CREATE TEMP TABLE planned AS
SELECT c.country, c.code, c.ax, c.ay, c.bx, c.by, c.dx, c.dy, c.ex, c.ey, w.category,
       floor(2500000 * w.share * p.population / t.total / CASE WHEN c.be THEN 4 ELSE 1 END + random())::int AS n
FROM (SELECT *, CASE WHEN be THEN 'BE' ELSE 'FR' END AS country FROM cell) AS c
JOIN people p ON p.country = c.country AND p.code = c.code
CROSS JOIN weight w
CROSS JOIN (SELECT sum(population)::float8 AS total FROM people) AS t;

-- Without its indexes while it fills (rebuilt below, as the migrations define them).
CREATE TEMP TABLE service_index AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i WHERE i.indrelid = 'service'::regclass AND NOT i.indisprimary;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT name FROM service_index LOOP
        EXECUTE format('DROP INDEX %I', r.name);
    END LOOP;
END $$;
INSERT INTO service (category, name, country, commune_code, geom, first_seen, last_seen, sources)
SELECT category, category || ' ' || code, country, code,
       -- bilinear interpolation of the cell's corners: inside the cell
       ST_SetSRID(ST_MakePoint((1 - v) * ((1 - u) * ax + u * bx) + v * ((1 - u) * ex + u * dx),
                               (1 - v) * ((1 - u) * ay + u * by) + v * ((1 - u) * ey + u * dy)), 4326),
       '2026-01-01', '2026-01-01', ARRAY['national-synthetic']
FROM (SELECT p.*, random() AS u, random() AS v FROM planned p, generate_series(1, p.n)) AS g;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT definition FROM service_index LOOP
        EXECUTE r.definition;
    END LOOP;
END $$;
INSERT INTO service_provenance (service_id, source_id, record_id, raw_category, seen_on)
SELECT id, 'national-synthetic', id::text, category, ARRAY[first_seen] FROM service;
-- What the refresh reads of them, which the triggers turned off above did not count
-- (migration 0022).
SELECT recount_refresh_facts();
ANALYZE;
