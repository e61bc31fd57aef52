-- $1 contribution, $2 the service it created, closed or changed.
UPDATE service_report SET applied_service = $2 WHERE contribution_id = $1
