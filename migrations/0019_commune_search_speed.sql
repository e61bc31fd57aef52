-- The commune search without ranking every candidate. At 35,000 communes a query that a
-- few thousand names share (`sai`: every Saint-…) read and ranked every one of them: p99
-- 19 ms (BENCHMARKS.md, "Commune search"). The three best kinds of match (a name equal to
-- the query, a name starting with it, a word of a name starting with it) are all "a word
-- of a name, read to the end of the name, starts with the query": each commune's names
-- are stored here once per word, from that word to the end of the name, folded as
-- commune_search_key folds them, beside what the ranking reads (population, name). A
-- btree in byte order finds those starting with the query as one range, and its covering
-- columns rank them without reading the communes. Matches anywhere else in a name
-- (quality 3) come from the trigram index as before, only when the better ones do not
-- fill the limit.
--
-- A query of one letter, or `sai`, still starts a word of thousands of names; grouping and
-- sorting them all took 15 to 25 ms. For queries of up to six characters the ranking is
-- stored whole: one row per commune and prefix of up to six characters of its names'
-- words, with the best quality that prefix has in the commune, in an index ordered as the
-- search ranks. Such a query reads its first $2 entries and stops.
CREATE TABLE commune_search_word (
    -- a folded name from the start of one of its words: "sainte marie aux mines",
    -- "marie aux mines", "aux mines", "mines"
    word       text COLLATE "C" NOT NULL,
    -- the word is the name's first: the match is the name's own start (quality 1, or 0
    -- when the query is the whole word)
    name_start boolean NOT NULL,
    country    char(2) NOT NULL,
    code       text NOT NULL,
    -- copies of the commune's, kept by the triggers below, for the ranking
    population integer,
    name       text NOT NULL
);
CREATE INDEX commune_search_word_idx ON commune_search_word (word)
    INCLUDE (name_start, population, name, country, code);
CREATE INDEX commune_search_word_commune_idx ON commune_search_word (country, code);

CREATE TABLE commune_search_prefix (
    prefix     text COLLATE "C" NOT NULL,
    -- 0: a name is the prefix; 1: a name starts with it; 2: a word of a name does
    quality    smallint NOT NULL,
    population integer,
    name       text NOT NULL,
    country    char(2) NOT NULL,
    code       text NOT NULL
);
CREATE INDEX commune_search_prefix_idx ON commune_search_prefix
    (prefix, quality, population DESC NULLS LAST, name, country, code);
CREATE INDEX commune_search_prefix_commune_idx ON commune_search_prefix (country, code);

-- Each distinct folded name of a commune from the start of each of its words; a suffix
-- found as a name's start and inside another name counts as a start.
CREATE FUNCTION commune_search_words(keys text[])
    RETURNS TABLE (word text, name_start boolean)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT array_to_string(parts[i:], ' '), bool_or(i = 1)
    FROM unnest(keys) AS k,
         LATERAL string_to_array(k, ' ') AS parts,
         LATERAL generate_subscripts(parts, 1) AS i
    WHERE k <> ''
    GROUP BY 1
$$;

-- The prefixes of up to six characters of those words, with the best quality of each.
CREATE FUNCTION commune_search_prefixes(keys text[])
    RETURNS TABLE (prefix text, quality smallint)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT left(w.word, n),
           min(CASE WHEN NOT w.name_start THEN 2
                    WHEN length(w.word) = n THEN 0
                    ELSE 1 END)::smallint
    FROM commune_search_words(keys) AS w,
         LATERAL generate_series(1, least(6, length(w.word))) AS n
    WHERE substr(w.word, n, 1) <> ' '
    GROUP BY 1
$$;

CREATE FUNCTION commune_search_word_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO commune_search_word (word, name_start, country, code, population, name)
    SELECT w.word, w.name_start, n.country, n.code, n.population, n.name
    FROM new_rows AS n, LATERAL commune_search_words(n.name_keys) AS w;
    INSERT INTO commune_search_prefix (prefix, quality, country, code, population, name)
    SELECT p.prefix, p.quality, n.country, n.code, n.population, n.name
    FROM new_rows AS n, LATERAL commune_search_prefixes(n.name_keys) AS p;
    RETURN NULL;
END $$;

-- Only the communes whose names, population or official name changed are rewritten: the
-- ingest's update of every commune's latest population leaves most words as they are.
CREATE FUNCTION commune_search_word_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM commune_search_word AS w
    USING old_rows AS o
    WHERE w.country = o.country AND w.code = o.code
      AND NOT EXISTS (
          SELECT 1 FROM new_rows AS n
          WHERE n.country = o.country AND n.code = o.code AND n.name = o.name
            AND n.name_keys IS NOT DISTINCT FROM o.name_keys
            AND n.population IS NOT DISTINCT FROM o.population);
    DELETE FROM commune_search_prefix AS w
    USING old_rows AS o
    WHERE w.country = o.country AND w.code = o.code
      AND NOT EXISTS (
          SELECT 1 FROM new_rows AS n
          WHERE n.country = o.country AND n.code = o.code AND n.name = o.name
            AND n.name_keys IS NOT DISTINCT FROM o.name_keys
            AND n.population IS NOT DISTINCT FROM o.population);
    INSERT INTO commune_search_word (word, name_start, country, code, population, name)
    SELECT w.word, w.name_start, n.country, n.code, n.population, n.name
    FROM new_rows AS n, LATERAL commune_search_words(n.name_keys) AS w
    WHERE NOT EXISTS (
        SELECT 1 FROM old_rows AS o
        WHERE n.country = o.country AND n.code = o.code AND n.name = o.name
          AND n.name_keys IS NOT DISTINCT FROM o.name_keys
          AND n.population IS NOT DISTINCT FROM o.population);
    INSERT INTO commune_search_prefix (prefix, quality, country, code, population, name)
    SELECT p.prefix, p.quality, n.country, n.code, n.population, n.name
    FROM new_rows AS n, LATERAL commune_search_prefixes(n.name_keys) AS p
    WHERE NOT EXISTS (
        SELECT 1 FROM old_rows AS o
        WHERE n.country = o.country AND n.code = o.code AND n.name = o.name
          AND n.name_keys IS NOT DISTINCT FROM o.name_keys
          AND n.population IS NOT DISTINCT FROM o.population);
    RETURN NULL;
END $$;

CREATE FUNCTION commune_search_word_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM commune_search_word AS w
    USING old_rows AS o
    WHERE w.country = o.country AND w.code = o.code;
    DELETE FROM commune_search_prefix AS w
    USING old_rows AS o
    WHERE w.country = o.country AND w.code = o.code;
    RETURN NULL;
END $$;

CREATE TRIGGER commune_search_word_insert AFTER INSERT ON commune
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION commune_search_word_insert();
CREATE TRIGGER commune_search_word_update AFTER UPDATE ON commune
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION commune_search_word_update();
CREATE TRIGGER commune_search_word_delete AFTER DELETE ON commune
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION commune_search_word_delete();

INSERT INTO commune_search_word (word, name_start, country, code, population, name)
SELECT w.word, w.name_start, c.country, c.code, c.population, c.name
FROM commune AS c, LATERAL commune_search_words(c.name_keys) AS w;
INSERT INTO commune_search_prefix (prefix, quality, country, code, population, name)
SELECT p.prefix, p.quality, c.country, c.code, c.population, c.name
FROM commune AS c, LATERAL commune_search_prefixes(c.name_keys) AS p;

-- Matches anywhere in a name that a tenth of the communes share (`aint` in every Saint-…)
-- are ranked by population alone: the most populous communes in rank order, with what the
-- match reads, give the first of them without ranking the thousands the trigram index
-- finds (the search reads the first 2,000, and falls back to the trigram index when they
-- hold too few matches).
CREATE INDEX commune_search_rank_idx ON commune (population DESC NULLS LAST, name, country, code)
    INCLUDE (search_key, name_keys);
