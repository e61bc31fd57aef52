-- Work tables of a refresh, in the caller's transaction: which categories are known on
-- which side of the border, and what this refresh recomputes.
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
CREATE TEMP TABLE IF NOT EXISTS covered_points (category text, country char(2), sources text[]) ON COMMIT DROP;
TRUNCATE covered_points;
INSERT INTO covered_points
SELECT category, country, array_agg(DISTINCT source_id ORDER BY source_id)
FROM service_coverage WHERE form = 'points' GROUP BY category, country;
-- (origin, category) pairs whose nearest services are recomputed
CREATE TEMP TABLE IF NOT EXISTS nearest_scope (origin text, category text) ON COMMIT DROP;
TRUNCATE nearest_scope;
-- (commune, category) pairs whose values are recomputed
CREATE TEMP TABLE IF NOT EXISTS value_scope (country char(2), code text, category text) ON COMMIT DROP;
TRUNCATE value_scope;

-- Snapshot series: sources that saw their services on two dates or more.
CREATE TEMP TABLE IF NOT EXISTS series (source_id text, first_date date, last_date date) ON COMMIT DROP;
TRUNCATE series;
INSERT INTO series
SELECT p.source_id, min(d), max(d)
FROM service_provenance p, unnest(p.seen_on) AS d
GROUP BY p.source_id
HAVING count(DISTINCT d) > 1;
ANALYZE series;

-- The nearest services of one category, while it is searched (nearest_search.sql).
CREATE TEMP TABLE IF NOT EXISTS nearest_found (
    origin text, country char(2), scope text, service_id bigint, service_country char(2),
    distance float8, proven boolean
) ON COMMIT DROP;
