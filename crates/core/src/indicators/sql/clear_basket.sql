-- The basket rows refresh_basket.sql is about to write again, in a scoped refresh (a full
-- one starts from an empty table).
DELETE FROM indicator_value i
USING (SELECT DISTINCT country, code FROM value_scope) AS v
WHERE i.indicator = 'basket_within_reach' AND i.country = v.country AND i.code = v.code;
