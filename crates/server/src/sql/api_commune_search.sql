-- Communes whose name in any language contains the query ($1, folded by
-- commune_search_key, so that the pattern holds only letters, digits and spaces), best
-- first: a name equal to the query, then a name starting with it, then a word of a name
-- starting with it, then a match anywhere; the more populous first within each; at most
-- $2 rows; only the communes of region $3 when it is not NULL (migration 0020: the
-- ranked indexes are read in order, skipping other regions' communes). Each way below
-- reads as little as its query needs (migration 0019):
--   * the first three kinds, for a query of up to six characters: the first $2 entries
--     of commune_search_prefix for it, stored in the order of the ranking;
--   * the same for a longer query: the names' words read to the end of the name that
--     start with it (one range of commune_search_word), ranked on the index's columns;
--   * matches anywhere, only when those do not fill the limit: first among the 2,000 most
--     populous communes in rank order (enough when the match is common; every commune
--     for one or two characters, which no trigram narrows), else every candidate of the
--     trigram index on search_key (migration 0016), ranked;
-- each later way behind a one-time filter on the counts of the earlier ones, so that it
-- is not begun when they suffice. The outlines are read for the rows kept only.
WITH q AS MATERIALIZED (
    SELECT commune_search_key($1) AS key
),
better AS MATERIALIZED (
    (
        SELECT p.country, p.code, p.name, p.population, p.quality::integer AS quality
        FROM commune_search_prefix p
        WHERE p.prefix = (SELECT key FROM q)
          AND (SELECT length(key) FROM q) BETWEEN 1 AND 6
          AND ($3::text IS NULL OR EXISTS (
                  SELECT 1 FROM commune r WHERE r.country = p.country AND r.code = p.code AND r.region_id = $3))
        ORDER BY p.quality, p.population DESC NULLS LAST, p.name, p.country, p.code
        LIMIT $2
    )
    UNION ALL
    (
        SELECT w.country, w.code, w.name, w.population,
               min(CASE WHEN NOT w.name_start THEN 2
                        WHEN w.word = (SELECT key FROM q) THEN 0
                        ELSE 1 END) AS quality
        FROM commune_search_word w
        -- every key character sorts below '~' in byte order: the range is exactly the
        -- words starting with the query
        WHERE w.word >= (SELECT key FROM q) AND w.word < (SELECT key FROM q) || '~'
          AND (SELECT length(key) FROM q) > 6
          AND ($3::text IS NULL OR EXISTS (
                  SELECT 1 FROM commune r WHERE r.country = w.country AND r.code = w.code AND r.region_id = $3))
        GROUP BY w.country, w.code, w.name, w.population
        ORDER BY quality, w.population DESC NULLS LAST, w.name, w.country, w.code
        LIMIT $2
    )
),
anywhere_populous AS MATERIALIZED (
    SELECT c.country, c.code, c.name, c.population, 3 AS quality
    FROM (
        SELECT country, code, name, population, search_key, name_keys
        FROM commune
        WHERE (SELECT count(*) FROM better) < $2
          AND ($3::text IS NULL OR region_id = $3)
        ORDER BY population DESC NULLS LAST, name, country, code
        -- a query of one or two characters gives the trigram index nothing to narrow:
        -- the whole order is read, up to the matches needed
        LIMIT (SELECT CASE WHEN length(key) > 2 THEN 2000 END FROM q)
    ) AS c
    WHERE c.search_key LIKE '%' || (SELECT key FROM q) || '%'
      -- not one of the better matches
      AND NOT EXISTS (
          SELECT 1 FROM unnest(c.name_keys) AS k
          WHERE starts_with(k, (SELECT key FROM q)) OR position(' ' || (SELECT key FROM q) IN k) > 0)
    ORDER BY c.population DESC NULLS LAST, c.name, c.country, c.code
    LIMIT $2
)
SELECT c.country || '-' || c.code AS id,
       c.country::text AS country,
       c.code,
       c.name,
       c.name_nl,
       c.name_fr,
       c.region_id AS region,
       ST_XMin(c.geom) AS west,
       ST_YMin(c.geom) AS south,
       ST_XMax(c.geom) AS east,
       ST_YMax(c.geom) AS north
FROM (
    SELECT * FROM better
    UNION ALL
    -- the populous matches anywhere are the first of all matches anywhere when they fill
    -- the limit, or when every commune was read
    SELECT * FROM anywhere_populous
    WHERE (SELECT count(*) FROM better) + (SELECT count(*) FROM anywhere_populous) >= $2
       OR (SELECT length(key) FROM q) <= 2
    UNION ALL
    (
        SELECT c.country, c.code, c.name, c.population, 3 AS quality
        FROM commune c
        WHERE c.search_key LIKE '%' || (SELECT key FROM q) || '%'
          AND (SELECT count(*) FROM better) + (SELECT count(*) FROM anywhere_populous) < $2
          AND (SELECT length(key) FROM q) > 2
          AND ($3::text IS NULL OR c.region_id = $3)
          AND NOT EXISTS (
              SELECT 1 FROM unnest(c.name_keys) AS k
              WHERE starts_with(k, (SELECT key FROM q)) OR position(' ' || (SELECT key FROM q) IN k) > 0)
        ORDER BY c.population DESC NULLS LAST, c.name, c.country, c.code
        LIMIT $2
    )
) AS best
JOIN commune c ON c.country = best.country AND c.code = best.code
WHERE (SELECT key FROM q) <> ''
ORDER BY best.quality, best.population DESC NULLS LAST, best.name, best.country, best.code
LIMIT $2
