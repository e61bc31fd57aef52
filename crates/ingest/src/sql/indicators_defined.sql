-- Whether a release has defined the indicators, so that a load without indicator facts
-- (a quick import) still brings the values in line with the services it changed.
SELECT EXISTS (SELECT 1 FROM indicator)
