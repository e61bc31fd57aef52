-- $1 contribution, $2 $3 commune country and code, $4 theme, $5 title, $6 body.
INSERT INTO idea (contribution_id, country, commune_code, theme, title, body)
VALUES ($1, $2, $3, $4, $5, $6)
