-- Rows the refresh wrote: nearest services, then indicator rows per commune and the
-- gaps kept once per country (migration 0015).
SELECT (SELECT count(*) FROM access_nearest),
       (SELECT count(*) FROM indicator_commune_value) + (SELECT count(*) FROM indicator_gap)
