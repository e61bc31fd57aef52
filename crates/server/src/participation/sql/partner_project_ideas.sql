-- Every project idea sent to call $1 (all calls when NULL), for the partners who review
-- them: with the writer's contact, the review and the moderation status, oldest first.
-- Withdrawn ones have no project_idea row left and are not listed.
SELECT c.id, p.call_id, p.title, p.description, p.review::text AS review,
       c.status::text AS status, c.language, c.contact_email, c.created_at,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('id', x.country || '-' || x.commune_code,
                                                     'name', m.name)
                                  ORDER BY x.position), '[]'::jsonb)
        FROM project_idea_commune x
        LEFT JOIN commune m ON m.country = x.country AND m.code = x.commune_code
        WHERE x.contribution_id = c.id) AS communes,
       (SELECT count(*) FROM support s WHERE s.contribution_id = c.id) AS supports
FROM contribution c
JOIN project_idea p ON p.contribution_id = c.id
WHERE $1::bigint IS NULL OR p.call_id = $1
ORDER BY c.created_at, c.id
