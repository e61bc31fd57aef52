-- The moderation queue as JSON (moderation.rs QueueItem): contributions of status $1,
-- of kind $2 (NULL: all), about commune ($3 country, $4 code; NULL: all), oldest first,
-- $5 of them from the $6th. NULL when none.
WITH item AS (
    SELECT c.*,
           coalesce(r.country, i.country, pc.country)::text AS country,
           coalesce(r.commune_code, i.commune_code, pc.commune_code) AS commune_code,
           CASE
               WHEN c.kind = 'service_report' AND r.contribution_id IS NOT NULL THEN
                   jsonb_build_object(
                       'kind', 'service_report', 'action', r.action, 'category', r.category,
                       'longitude', ST_X(r.geom), 'latitude', ST_Y(r.geom),
                       'service_id', r.service_id,
                       'service_name', (SELECT s.name FROM service s WHERE s.id = r.service_id),
                       'observed_on', r.observed_on, 'name', r.name, 'reason', r.reason,
                       'applied_service', r.applied_service)
               WHEN c.kind = 'idea' AND i.contribution_id IS NOT NULL THEN
                   jsonb_build_object('kind', 'idea', 'theme', i.theme, 'title', i.title,
                                      'body', i.body)
               WHEN c.kind = 'project_idea' AND p.contribution_id IS NOT NULL THEN
                   jsonb_build_object(
                       'kind', 'project_idea', 'call_id', p.call_id, 'title', p.title,
                       'description', p.description, 'review', p.review,
                       'communes', (SELECT coalesce(jsonb_agg(x.country || '-' || x.commune_code
                                                              ORDER BY x.position), '[]')
                                    FROM project_idea_commune x
                                    WHERE x.contribution_id = c.id))
               WHEN c.kind = 'photo' AND ph.contribution_id IS NOT NULL THEN
                   jsonb_build_object(
                       'kind', 'photo', 'longitude', ST_X(ph.geom), 'latitude', ST_Y(ph.geom),
                       'year', ph.year, 'caption', ph.caption, 'width', ph.width,
                       'height', ph.height, 'image_url', '/api/photos/' || c.id || '/image')
               ELSE jsonb_build_object('kind', 'erased')
           END AS detail
    FROM contribution c
    LEFT JOIN service_report r ON r.contribution_id = c.id
    LEFT JOIN idea i ON i.contribution_id = c.id
    LEFT JOIN project_idea p ON p.contribution_id = c.id
    LEFT JOIN photo ph ON ph.contribution_id = c.id
    LEFT JOIN LATERAL (
        SELECT x.country, x.commune_code FROM project_idea_commune x
        WHERE x.contribution_id = c.id ORDER BY x.position LIMIT 1
    ) pc ON true
    WHERE c.status = $1::contribution_status
      AND ($2::text IS NULL OR c.kind = $2::contribution_kind)
), located AS (
    SELECT item.*,
           -- a photo's commune is where it was taken
           CASE WHEN item.kind = 'photo' THEN
               (SELECT p.country::text FROM commune_part p, photo ph
                WHERE ph.contribution_id = item.id AND ST_Intersects(p.geom, ph.geom)
                ORDER BY p.country, p.code LIMIT 1)
           ELSE item.country END AS at_country,
           CASE WHEN item.kind = 'photo' THEN
               (SELECT p.code FROM commune_part p, photo ph
                WHERE ph.contribution_id = item.id AND ST_Intersects(p.geom, ph.geom)
                ORDER BY p.country, p.code LIMIT 1)
           ELSE item.commune_code END AS at_code
    FROM item
)
SELECT json_agg(json_build_object(
           'id', l.id, 'kind', l.kind, 'status', l.status, 'created_at', l.created_at,
           'language', l.language,
           'commune', l.at_country || '-' || l.at_code, 'commune_name', m.name,
           'contact_email', l.contact_email, 'public_reason', l.public_reason,
           'merged_into', l.merged_into, 'decided_at', l.decided_at,
           'decided_by', a.username,
           'supports', (SELECT count(*) FROM support s WHERE s.contribution_id = l.id),
           'detail', l.detail)
       ORDER BY l.created_at, l.id)
FROM (
    SELECT * FROM located
    WHERE $3::text IS NULL OR (at_country = $3 AND at_code = $4)
    ORDER BY created_at, id
    LIMIT $5 OFFSET $6
) l
LEFT JOIN commune m ON m.country = l.at_country AND m.code = l.at_code
LEFT JOIN account a ON a.id = l.decided_by
