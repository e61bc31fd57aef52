-- $1 response, $2 categories, $3 where each is used, $4 how one gets there (NULL: not
-- said), in the same order.
INSERT INTO needs_use (response_id, category, place, travel)
SELECT $1, u.category, u.place::needs_place, u.travel::needs_travel
FROM unnest($2::text[], $3::text[], $4::text[]) AS u (category, place, travel)
