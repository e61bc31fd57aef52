-- The region a manifest loads ($1 id, $2..$4 names in Dutch, French and English, $5 the
-- box the map opens on or NULL, $6 the manifest's path). Its place in the order of
-- regions (ordinal) is kept from its first load.
INSERT INTO region (id, name_nl, name_fr, name_en, view_box, manifest)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO UPDATE
SET name_nl = EXCLUDED.name_nl, name_fr = EXCLUDED.name_fr, name_en = EXCLUDED.name_en,
    view_box = EXCLUDED.view_box, manifest = EXCLUDED.manifest, loaded_at = now()
