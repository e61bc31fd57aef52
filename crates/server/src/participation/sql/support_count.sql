-- $1 contribution
SELECT count(*) FROM support WHERE contribution_id = $1
