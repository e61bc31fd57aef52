-- $1 contribution, $2 kind: whether people may support it (an accepted idea, a project
-- idea a call has made public).
SELECT EXISTS (
    SELECT 1
    FROM contribution c
    LEFT JOIN project_idea p ON p.contribution_id = c.id
    WHERE c.id = $1 AND c.kind = $2::contribution_kind
      AND CASE c.kind
              WHEN 'idea' THEN c.status = 'accepted'
              WHEN 'project_idea' THEN c.status NOT IN ('rejected', 'withdrawn', 'merged')
                                       AND p.review IN ('selected', 'not_selected')
              ELSE false
          END
)
