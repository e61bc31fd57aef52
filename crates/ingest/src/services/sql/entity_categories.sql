-- The categories of the services this load describes: every entity became a service or
-- joined one of its own category, so these are the categories its source has now.
SELECT DISTINCT category FROM service_entity ORDER BY 1
