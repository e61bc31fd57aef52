-- 35,000 generated communes beside the Westhoek ones, for the commune search benchmark
-- (scripts/bench-search.sh): about as many as France and Belgium have. Names are made of
-- syllables with accents, hyphens, apostrophes and articles ("Saint-Bécourt-lez-Dunhem",
-- "La Chèvil", "Sint-Poperkerke"), chosen by arithmetic on the row number, so that every
-- run makes the same names; one in five also has a Dutch name. Outlines are squares on a
-- grid south of the study area. Triggers are off (the tile versions and the borders
-- derived from communes have nothing to do with search).
SET session_replication_role = replica;

INSERT INTO source (id, title, path, publisher, licence, reference_date)
VALUES ('search-synthetic', 'generated communes for the search benchmark', '-', 'benchmark', 'none', '2026-01-01');

WITH syllable AS (
    SELECT ARRAY['Bé', 'Mon', 'Vil', 'Lé', 'Court', 'Hem', 'Ghe', 'Bec', 'Ève', 'Rou', 'Chè', 'Ker',
                 'Dun', 'Pé', 'Lan', 'Ber', 'Gues', 'Ar', 'Mor', 'Zee', 'Wa', 'Ter', 'Loo', 'Pop',
                 'Vlam', 'Hon', 'Dœ', 'Cas', 'Ste', 'Ost', 'Wer', 'Fû', 'Noë', 'Ça', 'Rex', 'Quié', 'Oy'] AS first,
           ARRAY['ville', 'court', 'hem', 'ghem', 'becque', 'kerque', 'inghe', 'rin', 'ppe', 'bourg',
                 'mont', 'val', 'tre', 'zele', 'bèke', 'née', 'gnies', 'lin', 'ster', 'werve',
                 'ich', 'oise', 'ay', 'thun', 'euil', 'ès', 'ard', 'erke', 'ouck', 'ain', 'ïs'] AS middle,
           ARRAY['', '', '', '', '-sur-Lys', '-lez-Lille', '-en-Pévèle', '-Saint-Éloi', '-l''Abbaye', '-le-Petit',
                 ' sur Mer', '-aux-Bois', '-Château', '-Notre-Dame', '', '', '-Capelle', '-Brûlé', '', '',
                 '-d''Armentières', '', '', '-Wallon', '', '-Haute', '', '-la-Forêt', ''] AS last,
           ARRAY['', '', '', '', '', 'Saint-', 'Le ', 'La ', 'Sainte-', 'L''', 'Les '] AS article
),
generated AS (
    SELECT i,
           s.article[1 + i % 11] || s.first[1 + i % 37] || s.middle[1 + (i / 37) % 31]
               || s.last[1 + (i / 1147) % 29] AS name,
           CASE WHEN i % 5 = 0 THEN
               (ARRAY['Sint-', '', 'Oost-', 'West-', ''])[1 + (i / 5) % 5]
               || s.first[1 + (i / 7) % 37] || (ARRAY['kerke', 'inge', 'hove', 'beke', 'dijk', 'hem', 'gem'])[1 + i % 7]
           END AS name_nl,
           -4.8 + (i % 200) * 0.06 AS x,
           42.4 + (i / 200) * 0.04 AS y
    FROM generate_series(0, 34999) AS i, syllable AS s
)
INSERT INTO commune (country, code, name, name_nl, name_fr, source_id, geom, area_km2, population, population_year)
SELECT 'FR', lpad(i::text, 5, '0'), name, name_nl, name, 'search-synthetic',
       ST_Multi(ST_MakeEnvelope(x, y, x + 0.06, y + 0.04, 4326)), 22.0,
       -- spread over three orders of magnitude, as real populations are
       ((50 + (i::bigint * 7919) % 997) * (1 + (i::bigint * 104729) % 37))::integer, 2024
FROM generated;

ANALYZE commune;

-- The search's own tables (migration 0019) follow the communes through triggers, which
-- are off here: they are filled as the triggers would.
INSERT INTO commune_search_word (word, name_start, country, code, population, name)
SELECT w.word, w.name_start, c.country, c.code, c.population, c.name
FROM commune AS c, LATERAL commune_search_words(c.name_keys) AS w
WHERE c.source_id = 'search-synthetic';
INSERT INTO commune_search_prefix (prefix, quality, country, code, population, name)
SELECT p.prefix, p.quality, c.country, c.code, c.population, c.name
FROM commune AS c, LATERAL commune_search_prefixes(c.name_keys) AS p
WHERE c.source_id = 'search-synthetic';
