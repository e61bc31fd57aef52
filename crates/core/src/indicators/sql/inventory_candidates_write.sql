-- Statistics for the work tables, of the joined columns only (those of the points cost
-- more than the rest of this step): without them the joins sorted and merged.
ANALYZE inventory_candidate;
ANALYZE inventory_access (id, kind);
ANALYZE having_service (origin, kind);

-- The nearest commune with the service of each commune without it, from the places the
-- search in the process found: measured on the spheroid by PostGIS, as the nearest
-- services are (nearest_candidates_write.sql). Where several places lie within a
-- millimetre of the nearest, PostGIS's distance decides, then the lower origin id.
INSERT INTO indicator_commune_value (indicator, country, code, category, year, value, sources, detail)
SELECT DISTINCT ON (l.id) 'nearest_commune_with_service_m', l.country, l.code, l.category, l.year,
       ST_Distance(h.geom::geography, l.geom::geography),
       l.sources, jsonb_build_object('nearest_commune', h.country || '-' || h.code)
FROM inventory_candidate k
JOIN inventory_access l ON l.id = k.id
JOIN having_service h ON h.origin = k.origin AND h.kind = l.kind
ORDER BY l.id, ST_Distance(h.geom::geography, l.geom::geography), h.origin;
