-- $1 project idea, $2 $3 the countries and codes of its communes in the writer's order
-- (the first one places it on the map).
INSERT INTO project_idea_commune (contribution_id, position, country, commune_code)
SELECT $1, c.position::integer, c.country, c.code
FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS c (country, code, position)
