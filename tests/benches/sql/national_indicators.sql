-- The computed indicators ($1, their ids), defined with placeholder texts.
INSERT INTO indicator (id, name_nl, name_fr, name_en, definition_nl, definition_fr, definition_en, unit,
                       per_category, sources, reference, licence, method)
SELECT id, id, id, id, id, id, id, '-', true, '-', '-', '-', '-' FROM unnest($1::text[]) AS id
