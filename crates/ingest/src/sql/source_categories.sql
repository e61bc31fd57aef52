-- The categories of the services that the sources $1 describe.
SELECT DISTINCT s.category
FROM service s
JOIN service_provenance p ON p.service_id = s.id
WHERE p.source_id = ANY ($1::text[])
ORDER BY s.category
