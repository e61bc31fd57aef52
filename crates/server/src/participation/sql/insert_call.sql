-- $1 $2 title in Dutch and French, $3 $4 description, $5 theme ids, $6 opens on,
-- $7 closes on, $8 the partner's account.
INSERT INTO call_for_projects (title_nl, title_fr, description_nl, description_fr, themes,
                               opens_on, closes_on, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id
