-- What a new load of the same sources replaces. Population rows go with their communes.
WITH gone_population AS (
    DELETE FROM commune_population WHERE source_id = ANY($1::text[])
)
DELETE FROM commune WHERE source_id = ANY($1::text[])
