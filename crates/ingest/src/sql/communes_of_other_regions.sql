-- Which of the communes about to be inserted ($1 countries, $2 codes) are already there
-- once this load's own communes were deleted: another region's (a commune belongs to one
-- region), or of no region loaded by other sources. At most $3 examples, and how many.
SELECT c.country || '-' || c.code AS id, c.region_id, c.source_id, count(*) OVER () AS total
FROM commune c
JOIN unnest($1::text[], $2::text[]) AS n(country, code) ON c.country = n.country AND c.code = n.code
ORDER BY c.country, c.code
LIMIT $3
