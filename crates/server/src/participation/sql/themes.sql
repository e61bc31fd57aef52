SELECT id, name_nl, name_fr, name_en FROM participation_theme ORDER BY position
