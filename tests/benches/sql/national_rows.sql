SELECT (SELECT count(*) FROM access_nearest), (SELECT count(*) FROM indicator_value)
