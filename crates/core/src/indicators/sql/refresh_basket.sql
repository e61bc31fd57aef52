-- The everyday basket of the communes in value_scope: how many of its items are within
-- cycling reach (3.75 km) of the commune's origins on average. Measured only where every
-- item is covered on the commune's side, in its region; otherwise the reason names the
-- items the data cannot cover yet. The post item accepts a post office or a partner post
-- point. Run after the nearest services of the scope were searched: a changed service can
-- bring an item within reach. A scoped refresh has deleted the rows replaced here first
-- (clear_scope.sql).
WITH items(item, categories) AS (
    VALUES ('food shop or bakery', ARRAY['food_shop', 'bakery']),
           ('general practitioner', ARRAY['general_practitioner']),
           ('pharmacy', ARRAY['pharmacy']),
           ('primary school', ARRAY['primary_school']),
           ('post point', ARRAY['post_office', 'post_point'])
),
missing AS (
    SELECT c.region, c.country, array_agg(i.item ORDER BY i.item) AS items
    FROM (SELECT DISTINCT coalesce(region_id, '') AS region, country FROM commune) AS c
    CROSS JOIN items i
    WHERE NOT EXISTS (SELECT 1 FROM covered_points cp
                      WHERE cp.country = c.country AND cp.region = c.region AND cp.category = ANY (i.categories))
    GROUP BY c.region, c.country
),
reach AS (
    SELECT o.country, o.commune, avg(within.items) AS items
    FROM access_origin o
    JOIN (SELECT DISTINCT country, code FROM value_scope) AS v ON v.country = o.country AND v.code = o.commune
    CROSS JOIN LATERAL (
        SELECT count(*) AS items FROM items i
        WHERE EXISTS (SELECT 1 FROM access_nearest a
                      WHERE a.origin = o.id AND a.scope = 'any' AND a.category = ANY (i.categories) AND a.distance_m <= 3750)
    ) AS within
    GROUP BY 1, 2
)
INSERT INTO indicator_commune_value (indicator, country, code, value, no_data)
SELECT 'basket_within_reach', c.country, c.code,
       CASE WHEN m.items IS NULL THEN r.items END,
       CASE WHEN m.items IS NOT NULL THEN 'no locations in ' || c.country || ' yet for: ' || array_to_string(m.items, ', ') END
FROM commune c
JOIN (SELECT DISTINCT country, code FROM value_scope) AS v ON v.country = c.country AND v.code = c.code
LEFT JOIN missing m ON m.country = c.country AND m.region = coalesce(c.region_id, '')
LEFT JOIN reach r ON r.country = c.country AND r.commune = c.code;
