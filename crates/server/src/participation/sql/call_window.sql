-- $1 a call: the days it opens and closes (no row for an unknown call).
SELECT opens_on, closes_on FROM call_for_projects WHERE id = $1
