SELECT json_agg(json_build_object(
    'id', id, 'name', json_build_object('nl', name_nl, 'fr', name_fr, 'en', name_en),
    'definition', json_build_object('nl', definition_nl, 'fr', definition_fr, 'en', definition_en),
    'unit', unit, 'per_category', per_category, 'sources', sources, 'reference', reference,
    'licence', licence, 'method', method) ORDER BY id)
FROM indicator
