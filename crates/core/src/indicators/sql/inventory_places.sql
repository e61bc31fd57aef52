-- For categories known only as counts per commune (INSEE's historical method): the
-- distance from the commune's point to the nearest commune that has the service in the
-- inventory's latest year; 0 where the commune has it itself. Measured for the communes of
-- the regions whose sources count the category (prepare.sql's coverage); the nearest
-- commune that has it may lie in any region. Run by a full refresh only, into the table
-- scope_all.sql emptied. The communes without it are searched in this process
-- (indicators/nearest/communes.rs), as the nearest services are: a geography index walk
-- per commune, past the places without the kind searched for, took most of this step.

-- The places (access origins) whose commune has the service: one row per (category,
-- year) kind it has.
CREATE TEMP TABLE IF NOT EXISTS having_service (origin text, country char(2), code text, kind text, geom geometry(Point, 4326)) ON COMMIT DROP;
TRUNCATE having_service;
INSERT INTO having_service
SELECT o.id, o.country, o.commune, n.category || '/' || n.year, o.geom
FROM (SELECT country, code, category, year FROM service_count
      WHERE (category, year) IN (SELECT category, max(year) FROM service_count GROUP BY category)
      GROUP BY 1, 2, 3, 4 HAVING sum(count) > 0) AS n
JOIN access_origin o ON o.country = n.country AND o.commune = n.code;

-- Every commune and kind measured: `id` names it to the search; `has_it`: its commune
-- has the service (its own nearest, at 0 m).
CREATE TEMP TABLE IF NOT EXISTS inventory_access (
    id bigint, country char(2), code text, category text, year smallint, kind text,
    sources text[], geom geometry(Point, 4326), has_it boolean
) ON COMMIT DROP;
TRUNCATE inventory_access;
INSERT INTO inventory_access
SELECT row_number() OVER (), c.country, c.code, y.category, y.year, y.category || '/' || y.year,
       y.sources, o.geom, h.origin IS NOT NULL
FROM (SELECT sc.region, sc.country, k.category, max(k.year) AS year, array_agg(DISTINCT k.source_id) AS sources
      FROM (SELECT DISTINCT source_id, category, year FROM service_count) AS k
      JOIN coverage sc USING (source_id) GROUP BY 1, 2, 3) AS y
JOIN commune c ON c.country = y.country AND coalesce(c.region_id, '') = y.region
JOIN access_origin o ON o.country = c.country AND o.commune = c.code
LEFT JOIN having_service h ON h.origin = o.id AND h.kind = y.category || '/' || y.year;

-- The nearest places found by the search, for the communes without the service.
CREATE TEMP TABLE IF NOT EXISTS inventory_candidate (id bigint, origin text) ON COMMIT DROP;
TRUNCATE inventory_candidate;

INSERT INTO indicator_commune_value (indicator, country, code, category, year, value, sources, detail)
SELECT 'nearest_commune_with_service_m', country, code, category, year, 0,
       sources, jsonb_build_object('nearest_commune', country || '-' || code)
FROM inventory_access
WHERE has_it;
