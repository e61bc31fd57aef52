-- How many communes the refresh in progress recomputed.
SELECT count(*) FROM (SELECT DISTINCT country, code FROM value_scope) AS v;
