-- The search ranks every candidate by how its names match the query (equal, starting with
-- it, a word starting with it, anywhere). Folding the three names again for each
-- candidate (unaccent and a regular expression, about 17 µs each) made queries shared by
-- thousands of names slow at national scale (BENCHMARKS.md, "Commune search"); the folded
-- names are stored once instead, as commune_search_key gives them (NULL for a name the
-- commune does not have).
ALTER TABLE commune
    ADD COLUMN name_keys text[] GENERATED ALWAYS AS
        (ARRAY[commune_search_key(name), commune_search_key(name_nl), commune_search_key(name_fr)]) STORED;
