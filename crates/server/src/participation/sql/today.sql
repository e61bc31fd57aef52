-- The day it is in the region: calls open and close, discovery days start and photos
-- are dated by the calendar of Flanders and Nord (Brussels and Paris keep the same
-- time), not by the server's clock or UTC, which is a day behind until 01:00 or 02:00.
SELECT (now() AT TIME ZONE 'Europe/Brussels')::date
