-- The photos a moderator accepted, oldest view first: where, when, the caption and its
-- language (never the contact, never the image itself, which has its own URL).
SELECT c.id, ST_X(p.geom) AS longitude, ST_Y(p.geom) AS latitude, p.year, p.caption,
       c.language
FROM contribution c
JOIN photo p ON p.contribution_id = c.id
WHERE c.status = 'accepted' AND p.jpeg IS NOT NULL
ORDER BY p.year, c.id
LIMIT 5000
