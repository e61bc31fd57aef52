-- Between two searches of nearest_search.sql: statistics for what the first found, which
-- the second reads (without them the planner guesses a tiny table and loops over it).
ANALYZE nearest_found
