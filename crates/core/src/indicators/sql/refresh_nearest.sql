-- Before the nearest services of the origins in scope are searched (nearest_search.sql,
-- once per category): statistics for the work tables, and the rows being replaced.
-- Temporary tables get no statistics by themselves: without them the planner guesses badly.
ANALYZE nearest_scope;
ANALYZE value_scope;
ANALYZE covered_points;
DELETE FROM access_nearest a USING nearest_scope n WHERE a.origin = n.origin AND a.category = n.category;
