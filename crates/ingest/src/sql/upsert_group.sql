INSERT INTO service_group (id, label_nl, label_fr, label_en, position) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (id) DO UPDATE SET label_nl = EXCLUDED.label_nl, label_fr = EXCLUDED.label_fr,
    label_en = EXCLUDED.label_en, position = EXCLUDED.position
