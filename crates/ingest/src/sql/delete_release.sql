-- What a new load of the same region ($2, NULL for none) and sources ($1) replaces: the
-- region's communes, whichever of its sources loaded them, and those the sources loaded
-- before regions existed. Population rows go with their communes. Other regions' rows
-- stay as they are.
WITH gone_population AS (
    DELETE FROM commune_population WHERE source_id = ANY($1::text[])
)
DELETE FROM commune WHERE source_id = ANY($1::text[]) OR region_id = $2::text
