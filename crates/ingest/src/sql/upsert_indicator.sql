INSERT INTO indicator (id, name_nl, name_fr, name_en, definition_nl, definition_fr, definition_en,
                       unit, per_category, sources, reference, licence, method)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (id) DO UPDATE
SET name_nl = EXCLUDED.name_nl, name_fr = EXCLUDED.name_fr, name_en = EXCLUDED.name_en,
    definition_nl = EXCLUDED.definition_nl, definition_fr = EXCLUDED.definition_fr,
    definition_en = EXCLUDED.definition_en, unit = EXCLUDED.unit, per_category = EXCLUDED.per_category,
    sources = EXCLUDED.sources, reference = EXCLUDED.reference, licence = EXCLUDED.licence, method = EXCLUDED.method
