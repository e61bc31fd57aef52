-- A new service seen by one source on one day: $1 category, $2 name, $3 address, $4 and
-- $5 the commune (country, code) or NULL, $6 and $7 longitude and latitude, $8 the day,
-- $9 the source (listed on the service, migration 0012).
INSERT INTO service (category, name, address, country, commune_code, geom, first_seen, last_seen, sources)
VALUES ($1, $2, $3, $4::char(2), $5, ST_SetSRID(ST_MakePoint($6, $7), 4326), $8, $8, ARRAY[$9::text])
RETURNING id
