-- The decided service reports, newest decision first; a rejected one keeps its words to
-- itself.
SELECT c.id, r.action::text AS action, r.category, c.status::text AS status, c.public_reason,
       CASE WHEN c.status = 'accepted' THEN ST_X(r.geom) END AS longitude,
       CASE WHEN c.status = 'accepted' THEN ST_Y(r.geom) END AS latitude,
       CASE WHEN c.status = 'accepted' THEN r.observed_on END AS observed_on,
       CASE WHEN c.status = 'accepted' THEN r.name END AS name,
       CASE WHEN c.status = 'accepted' THEN r.reason END AS reason,
       r.applied_service AS service_id
FROM contribution c
JOIN service_report r ON r.contribution_id = c.id
WHERE c.status IN ('accepted', 'rejected')
ORDER BY c.decided_at DESC, c.id DESC
LIMIT 500
