-- Communes whose name in any language contains the query ($1, folded by
-- commune_search_key, so that the pattern holds only letters, digits and spaces), best
-- first: a name equal to the query, then a name starting with it, then a word of a name
-- starting with it, then a match anywhere; the more populous first within each; at most
-- $2 rows. The first three are the names' words read to the end of the name that start
-- with the query: one range of the btree on commune_search_word, ranked on its covering
-- columns without reading the communes (migration 0020). Matches anywhere else come from
-- the trigram index on search_key (migration 0016), ranked on the names folded once
-- (name_keys, migration 0017), and only when the better ones do not fill the limit (a
-- one-time filter on their count: that branch is then never begun). The outlines are
-- read for the rows kept only.
WITH better AS MATERIALIZED (
    SELECT w.country, w.code, w.name, w.population,
           min(CASE WHEN NOT w.name_start THEN 2
                    WHEN w.word = q.key THEN 0
                    ELSE 1 END) AS quality
    -- OFFSET 0 keeps the folded query a row of its own: pulled up into the join, the
    -- generic plan a prepared statement ends with folded $1 again for every comparison
    -- (BENCHMARKS.md, "Commune search").
    FROM (SELECT commune_search_key($1) AS key OFFSET 0) AS q
    -- every key character sorts below '~' in byte order: the range is exactly the words
    -- starting with the query
    JOIN commune_search_word w ON w.word >= q.key AND w.word < q.key || '~'
    WHERE q.key <> ''
    GROUP BY w.country, w.code, w.name, w.population
    ORDER BY quality, w.population DESC NULLS LAST, w.name, w.country, w.code
    LIMIT $2
)
SELECT c.country || '-' || c.code AS id,
       c.country::text AS country,
       c.code,
       c.name,
       c.name_nl,
       c.name_fr,
       ST_XMin(c.geom) AS west,
       ST_YMin(c.geom) AS south,
       ST_XMax(c.geom) AS east,
       ST_YMax(c.geom) AS north
FROM (
    SELECT * FROM better
    UNION ALL
    (
        SELECT c.country, c.code, c.name, c.population, 3 AS quality
        FROM (SELECT commune_search_key($1) AS key OFFSET 0) AS q
        JOIN commune c ON c.search_key LIKE '%' || q.key || '%'
        WHERE q.key <> '' AND (SELECT count(*) FROM better) < $2
          -- not one of the better matches above
          AND NOT EXISTS (
              SELECT 1 FROM unnest(c.name_keys) AS k
              WHERE starts_with(k, q.key) OR position(' ' || q.key IN k) > 0)
        ORDER BY c.population DESC NULLS LAST, c.name, c.country, c.code
        LIMIT $2
    )
) AS best
JOIN commune c ON c.country = best.country AND c.code = best.code
ORDER BY best.quality, best.population DESC NULLS LAST, best.name, best.country, best.code
LIMIT $2
