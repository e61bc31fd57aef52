-- $1 $2 title in Dutch and French, $3 $4 description, $5 first day, $6 place, $7 $8
-- longitude and latitude (EPSG:4326), $9 the partner's account.
INSERT INTO discovery_day (title_nl, title_fr, description_nl, description_fr, starts_on,
                           place, geom, created_by)
VALUES ($1, $2, $3, $4, $5, $6, ST_SetSRID(ST_MakePoint($7, $8), 4326), $9)
RETURNING id
