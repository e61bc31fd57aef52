-- Whether a commune exists, for the `commune` filter of the exports.
-- $1: country; $2: code.
SELECT EXISTS (SELECT 1 FROM commune WHERE country = $1 AND code = $2)
