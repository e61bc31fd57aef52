-- The loaded regions' ids, in the order they were first loaded (migration 0020).
SELECT id FROM region ORDER BY ordinal
