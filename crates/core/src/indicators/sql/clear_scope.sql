-- A scoped refresh: the rows of the scope that refresh_values.sql and refresh_basket.sql
-- write again. (A full refresh starts from the table scope_all.sql emptied: deleting
-- would scan every row written so far for nothing.)

-- The per-category values of the (commune, category) pairs in scope.
DELETE FROM indicator_commune_value i USING value_scope v
WHERE i.country = v.country AND i.code = v.code AND i.category = v.category
  AND i.indicator IN ('service_count', 'services_net_change',
                      'nearest_service_m', 'nearest_service_national_m', 'services_gained', 'services_lost');

-- The basket of the communes in scope.
DELETE FROM indicator_commune_value i
USING (SELECT DISTINCT country, code FROM value_scope) AS v
WHERE i.indicator = 'basket_within_reach' AND i.country = v.country AND i.code = v.code;
