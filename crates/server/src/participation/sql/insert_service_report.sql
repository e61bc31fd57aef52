-- $1 contribution, $2 action, $3 category, $4 $5 longitude latitude, $6 $7 commune
-- country and code, $8 service or NULL, $9 day observed, $10 name, $11 reason.
INSERT INTO service_report (contribution_id, action, category, geom, country, commune_code,
                            service_id, observed_on, name, reason)
VALUES ($1, $2::service_report_action, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326), $6, $7,
        $8, $9, $10, $11)
