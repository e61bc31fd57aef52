-- $1 project idea, $2 its new review.
UPDATE project_idea SET review = $2::project_review WHERE contribution_id = $1
