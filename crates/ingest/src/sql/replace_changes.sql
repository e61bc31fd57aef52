INSERT INTO commune_change (effective, country, kind, old_code, old_name, new_code, new_name, note)
SELECT * FROM UNNEST($1::date[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
ON CONFLICT (country, old_code, effective) DO UPDATE
SET kind = EXCLUDED.kind, old_name = EXCLUDED.old_name, new_code = EXCLUDED.new_code,
    new_name = EXCLUDED.new_name, note = EXCLUDED.note
