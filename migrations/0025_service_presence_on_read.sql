-- Whether a commune has a service (service_presence, 1 or 0) is whether its count is above
-- 0. It was written as a row of its own beside every count: 18,981 of the 67,356 rows a
-- Westhoek refresh wrote, each keyed and checked again by every full refresh. It is now
-- derived where the values are read, from the count's row, with its year and sources.
--
-- indicator_commune_value_all: the values per commune, stored and derived, for a reader
-- that wants them without the gaps (the categories and years each indicator has).
-- indicator_value keeps its rows for every other reader: these, and the gaps.
DELETE FROM indicator_commune_value WHERE indicator = 'service_presence';

CREATE VIEW indicator_commune_value_all AS
SELECT indicator, country, code, category, year, value, no_data, sources, detail
FROM indicator_commune_value
UNION ALL
SELECT 'service_presence', country, code, category, year, (value > 0)::int::float8, no_data, sources, detail
FROM indicator_commune_value
WHERE indicator = 'service_count';

CREATE OR REPLACE VIEW indicator_value AS
SELECT indicator, country, code, category, year, value, no_data, sources, detail
FROM indicator_commune_value_all
UNION ALL
SELECT g.indicator, c.country, c.code, g.category, g.year, NULL::float8, g.no_data, g.sources, g.detail
FROM indicator_gap g
JOIN commune c ON c.country = g.country AND coalesce(c.region_id, '') = g.region;
