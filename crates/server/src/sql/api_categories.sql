-- The taxonomy's groups and categories with their labels, in the order of
-- data/taxonomy.toml.
SELECT g.id AS group_id, g.label_nl AS group_nl, g.label_fr AS group_fr, g.label_en AS group_en,
       c.id, c.label_nl, c.label_fr, c.label_en, c.everyday_basket
FROM service_group g
JOIN service_category c ON c.group_id = g.id
ORDER BY g.position, g.id, c.position, c.id
