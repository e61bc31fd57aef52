-- $1 $2 commune country and code, $3 the categories missed. Nothing else is kept of who
-- answered: no address, no contact, and the day (answered_on) rather than the time.
INSERT INTO needs_response (country, commune_code, missing)
VALUES ($1, $2, $3)
RETURNING id
