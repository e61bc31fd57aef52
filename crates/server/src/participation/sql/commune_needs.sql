-- The questionnaire's answers about commune ($1 country, $2 code), in one statement so
-- the count and the figures come from the same snapshot: how many answered; per
-- category, how many said where they use it; per category, how many miss it.
SELECT
    (SELECT count(*) FROM needs_response r
     WHERE r.country = $1 AND r.commune_code = $2) AS answers,
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'category', t.category, 'answers', t.answers,
                'own_commune', t.own_commune, 'neighbour', t.neighbour,
                'across_border', t.across_border, 'not_used', t.not_used)
            ORDER BY t.category), '[]'::jsonb)
     FROM (SELECT u.category, count(*) AS answers,
                  count(*) FILTER (WHERE u.place = 'own_commune') AS own_commune,
                  count(*) FILTER (WHERE u.place = 'neighbour') AS neighbour,
                  count(*) FILTER (WHERE u.place = 'across_border') AS across_border,
                  count(*) FILTER (WHERE u.place = 'not_used') AS not_used
           FROM needs_use u
           JOIN needs_response r ON r.id = u.response_id
           WHERE r.country = $1 AND r.commune_code = $2
           GROUP BY u.category) t) AS categories,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('category', m.category, 'count', m.count)
                               ORDER BY m.count DESC, m.category), '[]'::jsonb)
     FROM (SELECT missed AS category, count(*) AS count
           FROM needs_response r, unnest(r.missing) AS missed
           WHERE r.country = $1 AND r.commune_code = $2
           GROUP BY missed) m) AS missing
