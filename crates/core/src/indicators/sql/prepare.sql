-- Work tables of a refresh, in the caller's transaction: which categories are known on
-- which side of the border in which region, and what this refresh recomputes.
-- Statements bound to a category are planned for that category (its own index), not once
-- for any category.
SET LOCAL plan_cache_mode = force_custom_plan;
-- The searches' cost estimates are large enough for PostgreSQL to compile them with LLVM,
-- which took longer than running them (2 s of one 3 s statement right after an ingest).
SET LOCAL jit = off;
-- Its sorts and hashes (tens of thousands of rows for the region, millions nationally)
-- stay in memory: with the default 4 MB, checking the communes of 140,000 indicator rows
-- sorted them on disk.
SET LOCAL work_mem = '64MB';
-- Where each source speaks (migration 0020): the countries it covers, within its own
-- region, or within every region for a source of none. `region` is '' for the communes
-- of no region (loaded before regions existed).
CREATE TEMP TABLE IF NOT EXISTS coverage (source_id text, region text, country char(2)) ON COMMIT DROP;
TRUNCATE coverage;
INSERT INTO coverage
SELECT sc.source_id, r.region, sc.country
FROM source_coverage sc
JOIN source src ON src.id = sc.source_id
JOIN (SELECT id AS region FROM region
      UNION ALL
      SELECT '' WHERE EXISTS (SELECT 1 FROM commune WHERE region_id IS NULL)) AS r
  ON src.region_id IS NULL OR src.region_id = r.region;
ANALYZE coverage;
CREATE TEMP TABLE IF NOT EXISTS covered_points (category text, region text, country char(2), sources text[]) ON COMMIT DROP;
TRUNCATE covered_points;
-- The points rows of the service_coverage view, per region, without the dates and record
-- counts it also computes for every service, from the sources each service lists
-- (migration 0012) rather than a join with its provenance (every provenance row has a
-- sighting date: the view's condition holds for all). The (category, source) pairs are
-- counted as services are written (migration 0022): finding them among 2.5 million
-- services took seconds of every refresh, even after one changed service.
INSERT INTO covered_points
SELECT k.category, sc.region, sc.country, array_agg(k.source_id ORDER BY k.source_id)
FROM category_source k
JOIN coverage sc ON sc.source_id = k.source_id
GROUP BY k.category, sc.region, sc.country;
-- The sources that locate a category on either side of the border in a region: what the
-- distance across the border rests on (another region's sources do not describe its
-- surroundings). A table with statistics, not a grouping joined on every value row: the
-- planner matched the national 994,000 distance rows with it by region alone (2.5 s).
CREATE TEMP TABLE IF NOT EXISTS covered_either_side (region text, category text, sources text[]) ON COMMIT DROP;
TRUNCATE covered_either_side;
INSERT INTO covered_either_side
SELECT x.region, x.category, array_agg(DISTINCT s ORDER BY s)
FROM covered_points x, unnest(x.sources) AS s
GROUP BY x.region, x.category;
ANALYZE covered_either_side;
-- (origin, category) pairs whose nearest services are recomputed
CREATE TEMP TABLE IF NOT EXISTS nearest_scope (origin text, category text) ON COMMIT DROP;
TRUNCATE nearest_scope;
-- (commune, category) pairs whose values are recomputed, with the commune's region ('' for
-- none): the values statements match sources by it without joining the communes again.
CREATE TEMP TABLE IF NOT EXISTS value_scope (country char(2), code text, category text, region text) ON COMMIT DROP;
TRUNCATE value_scope;

-- Snapshot series: sources that saw their services on two dates or more. Reports of
-- single services (citizens', migration 0018) are no snapshots: their days form no series.
CREATE TEMP TABLE IF NOT EXISTS series (source_id text, first_date date, last_date date) ON COMMIT DROP;
TRUNCATE series;
-- The distinct (source, day) pairs are counted as provenance is written (migration 0022),
-- not gathered from every sighting.
INSERT INTO series
SELECT d.source_id, min(d.day), max(d.day)
FROM source_day d
WHERE d.source_id IN (SELECT id FROM source WHERE sightings = 'snapshots')
GROUP BY d.source_id
HAVING count(*) > 1;
ANALYZE series;

-- The nearest services of one category, while it is searched (nearest_search.sql).
CREATE TEMP TABLE IF NOT EXISTS nearest_found (
    origin text, country char(2), scope text, service_id bigint, service_country char(2),
    distance float8, proven boolean
) ON COMMIT DROP;

-- The nearest services the search in the process found (indicators/nearest), with the
-- coordinates PostGIS measures them by: for the origin's row across the border (`any`),
-- within its country (`national`), or both; `alone` when no other service lies within a
-- millimetre of it for that origin, category and scope.
CREATE TEMP TABLE IF NOT EXISTS nearest_candidate (
    origin text, category text, across boolean, national boolean, service_id bigint, alone boolean,
    origin_x float8, origin_y float8, service_x float8, service_y float8
) ON COMMIT DROP;
