-- The project ideas a call has made public (reviewed: selected or not) and that no
-- moderator rejected or merged and no writer withdrew, of call $1 or of all when NULL,
-- most supported first. Placed at a point inside their first commune (a centroid can
-- fall outside a commune shaped like a crescent).
SELECT c.id, p.call_id, p.title, p.description, p.review::text AS status,
       communes.list AS communes,
       ST_X(first.point) AS longitude, ST_Y(first.point) AS latitude,
       (SELECT count(*) FROM support s WHERE s.contribution_id = c.id) AS supports
FROM contribution c
JOIN project_idea p ON p.contribution_id = c.id
CROSS JOIN LATERAL (
    SELECT coalesce(jsonb_agg(jsonb_build_object('id', x.country || '-' || x.commune_code,
                                                 'name', m.name)
                              ORDER BY x.position), '[]'::jsonb) AS list
    FROM project_idea_commune x
    LEFT JOIN commune m ON m.country = x.country AND m.code = x.commune_code
    WHERE x.contribution_id = c.id
) communes
LEFT JOIN LATERAL (
    SELECT ST_PointOnSurface(m.geom) AS point
    FROM project_idea_commune x
    JOIN commune m ON m.country = x.country AND m.code = x.commune_code
    WHERE x.contribution_id = c.id
    ORDER BY x.position
    LIMIT 1
) first ON true
WHERE p.review IN ('selected', 'not_selected')
  AND c.status NOT IN ('rejected', 'withdrawn', 'merged')
  AND ($1::bigint IS NULL OR p.call_id = $1)
ORDER BY supports DESC, c.id
LIMIT 1000
