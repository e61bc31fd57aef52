-- The queries of the commune search benchmark (scripts/bench-search.sh), the same every
-- run: 1,000 of at least three letters ("main": prefixes as typed, in capitals without
-- accents, of the Dutch name, a piece from inside a name, a whole first word) and 200 of
-- one or two ("short": what a search box sends after the first keystrokes), taken from
-- names spread over the generated and the Westhoek communes.
CREATE TABLE search_bench_query (k integer, kind text, q text);

CREATE TEMP TABLE named AS
SELECT row_number() OVER (ORDER BY country, code) - 1 AS n, name, name_nl, search_key
FROM commune;
CREATE INDEX ON named (n);
ANALYZE named;

WITH candidate AS (
    SELECT k, CASE k % 5
               WHEN 0 THEN left(c.name, 3 + k % 6)
               WHEN 1 THEN upper(left(unaccent(c.name), 3 + k % 6))
               WHEN 2 THEN left(coalesce(c.name_nl, c.name), 4 + k % 5)
               WHEN 3 THEN substr(c.name, 2 + k % 3, 4)
               ELSE split_part(split_part(c.name, '-', 1), ' ', 1)
           END AS q
    FROM generate_series(0, 1499) AS k
    JOIN named c ON c.n = (k * 23 + 11) % (SELECT count(*) FROM named)
)
INSERT INTO search_bench_query
SELECT k, 'main', q FROM candidate
WHERE length(commune_search_key(q)) >= 3
ORDER BY k LIMIT 1000;

INSERT INTO search_bench_query
SELECT k, 'short', left(c.search_key, 1 + k % 2)
FROM generate_series(0, 199) AS k
JOIN named c ON c.n = (k * 173 + 5) % (SELECT count(*) FROM named);
