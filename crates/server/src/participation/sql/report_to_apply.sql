-- $1 contribution: the service report to write into the services.
SELECT action::text AS action, category, ST_X(geom) AS longitude, ST_Y(geom) AS latitude,
       service_id, observed_on, name
FROM service_report
WHERE contribution_id = $1
