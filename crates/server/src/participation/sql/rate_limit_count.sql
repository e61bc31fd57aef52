-- Counts one hit of bucket $1 from client $2 in the current window of $3 seconds (windows
-- start at multiples of $3 since the epoch); the hits so far in the window, this one
-- included, and the seconds until it ends. Windows that ended an hour or more ago are
-- purged by purge_expired.sql.
WITH win AS (
    SELECT to_timestamp(floor(extract(epoch FROM now()) / $3) * $3) AS start
)
INSERT INTO rate_limit_hit AS h (bucket, client, window_start, hits)
SELECT $1, $2, win.start, 1 FROM win
ON CONFLICT (bucket, client, window_start) DO UPDATE SET hits = h.hits + 1
RETURNING h.hits,
          extract(epoch FROM (h.window_start + make_interval(secs => $3) - now()))::float8
