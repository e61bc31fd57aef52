-- $1 contribution, $2 $3 longitude and latitude (EPSG:4326), $4 year, $5 caption, $6 the
-- re-encoded JPEG, $7 $8 its width and height in pixels.
INSERT INTO photo (contribution_id, geom, year, caption, jpeg, width, height)
VALUES ($1, ST_SetSRID(ST_MakePoint($2, $3), 4326), $4, $5, $6, $7, $8)
