SELECT (SELECT count(*) FROM commune), (SELECT count(*) FROM access_origin), (SELECT count(*) FROM service),
       (SELECT count(*) FROM service_category)
