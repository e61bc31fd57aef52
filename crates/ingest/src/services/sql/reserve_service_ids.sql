-- The first of $1 consecutive service ids, all drawn at once (hold_service_ids.sql first):
-- the direct load gives them to its records in order; those it does not use are gaps.
SELECT setval('service_id_seq', nextval('service_id_seq') + $1 - 1) - $1 + 1
