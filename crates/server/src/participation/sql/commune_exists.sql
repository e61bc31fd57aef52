-- $1 country, $2 code: whether the study area has that commune today.
SELECT EXISTS (SELECT 1 FROM commune WHERE country = $1 AND code = $2)
