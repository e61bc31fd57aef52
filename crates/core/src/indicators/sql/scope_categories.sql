-- The categories whose nearest services this refresh searches.
SELECT DISTINCT category FROM nearest_scope ORDER BY category
