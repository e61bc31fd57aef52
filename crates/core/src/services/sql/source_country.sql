-- $1 = a source id. One row if the source is registered: the one country it covers
-- (NULL if none or several), given to its points kept in the study area's margin outside
-- every commune, as the ingest does (services/sql/insert_entities.sql).
SELECT (SELECT CASE WHEN count(*) = 1 THEN min(c.country)::text END
        FROM source_coverage c WHERE c.source_id = s.id) AS country
FROM source s
WHERE s.id = $1
