-- $1 contribution, $2 call, $3 title, $4 description.
INSERT INTO project_idea (contribution_id, call_id, title, description)
VALUES ($1, $2, $3, $4)
