-- After each search of nearest_search.sql: statistics for what it found, which the settling
-- (nearest_settle.sql) and the next search read. Without them the planner takes the work
-- table for a tiny one and scans it once per origin to settle (3.3 s for bus stops at
-- national scale, against 45 ms).
ANALYZE nearest_found
