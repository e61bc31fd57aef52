-- Records whose own commune code differs from the commune they lie in (a warning: the
-- point or the code may be wrong, or the code may predate a merger).
SELECT e.location, e.source_commune, e.commune_code
FROM service_entity e
WHERE e.source_commune IS NOT NULL AND e.commune_code IS NOT NULL AND e.source_commune <> e.commune_code
ORDER BY e.ord
