INSERT INTO service_category (id, group_id, label_nl, label_fr, label_en, everyday_basket, position)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO UPDATE
SET group_id = EXCLUDED.group_id, label_nl = EXCLUDED.label_nl, label_fr = EXCLUDED.label_fr,
    label_en = EXCLUDED.label_en, everyday_basket = EXCLUDED.everyday_basket,
    position = EXCLUDED.position
