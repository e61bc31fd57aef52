-- $1 contribution: its kind and status.
SELECT kind::text, status::text FROM contribution WHERE id = $1
