-- Communes whose name in any language contains the query ($1, folded by
-- commune_search_key, so that the pattern holds only letters, digits and spaces), best
-- first: a name equal to the query, then a name starting with it, then a word of a name
-- starting with it, then a match anywhere; the more populous first within each; at most
-- $2 rows. The trigram index on search_key (migration 0016) finds the candidates, ranked
-- on their names folded once at write time (name_keys, migration 0017); the outlines are
-- read for the rows kept only.
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
    SELECT c.country, c.code, c.name, c.population, m.quality
    -- OFFSET 0 keeps the folded query a row of its own: pulled up into the join, the
    -- generic plan a prepared statement ends with folded $1 again for every comparison
    -- with every candidate (BENCHMARKS.md, "Commune search").
    FROM (SELECT commune_search_key($1) AS key OFFSET 0) AS q
    JOIN commune c ON c.search_key LIKE '%' || q.key || '%'
    CROSS JOIN LATERAL (
        SELECT min(CASE WHEN k = q.key THEN 0
                        WHEN starts_with(k, q.key) THEN 1
                        WHEN position(' ' || q.key IN k) > 0 THEN 2
                        ELSE 3 END) AS quality
        FROM unnest(c.name_keys) AS k
    ) AS m
    WHERE q.key <> ''
    ORDER BY m.quality, c.population DESC NULLS LAST, c.name, c.country, c.code
    LIMIT $2
) AS best
JOIN commune c ON c.country = best.country AND c.code = best.code
ORDER BY best.quality, best.population DESC NULLS LAST, best.name, best.country, best.code
