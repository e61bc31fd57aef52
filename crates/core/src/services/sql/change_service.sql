-- Service $1 changed, seen on day $2: $3 its category; its name $5 if $4; if $6 is not
-- NULL, its position ($6, $7) and commune ($8, $9). The day widens the dates it is known.
UPDATE service
SET category = $3,
    name = CASE WHEN $4 THEN $5 ELSE name END,
    geom = CASE WHEN $6::float8 IS NULL THEN geom ELSE ST_SetSRID(ST_MakePoint($6, $7::float8), 4326) END,
    country = CASE WHEN $6::float8 IS NULL THEN country ELSE $8::char(2) END,
    commune_code = CASE WHEN $6::float8 IS NULL THEN commune_code ELSE $9 END,
    first_seen = least(first_seen, $2),
    last_seen = greatest(last_seen, $2)
WHERE id = $1
