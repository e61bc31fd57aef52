-- $1 a withdrawn contribution: its content is erased. An accepted service report keeps
-- what it says about the service (the observation the services now rest on) but loses
-- its writer's words; every other kind loses its detail row and its support.
WITH report AS (
    UPDATE service_report SET name = NULL, reason = NULL
    WHERE contribution_id = $1 AND applied_service IS NOT NULL
    RETURNING contribution_id
), unapplied AS (
    DELETE FROM service_report WHERE contribution_id = $1 AND applied_service IS NULL
), idea AS (
    DELETE FROM idea WHERE contribution_id = $1
), project AS (
    DELETE FROM project_idea WHERE contribution_id = $1
), photo AS (
    DELETE FROM photo WHERE contribution_id = $1
), supports AS (
    DELETE FROM support WHERE contribution_id = $1
)
SELECT count(*) FROM report
