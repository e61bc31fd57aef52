-- The record ids of a measure file that match no record of the source it describes.
-- $1 record ids, $2 the described source.
SELECT DISTINCT m.id
FROM unnest($1::text[]) AS m(id)
WHERE NOT EXISTS (
    SELECT 1 FROM service_provenance p WHERE p.source_id = $2 AND p.record_id = m.id
)
ORDER BY 1;
