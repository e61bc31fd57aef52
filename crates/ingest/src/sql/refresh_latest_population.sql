-- The latest figure that counts exactly the commune's own territory (not a merged one).
UPDATE commune c
SET population = latest.population, population_year = latest.year
FROM (
    SELECT DISTINCT ON (country, code) country, code, population, year
    FROM commune_population
    WHERE covers = ARRAY[code]
    ORDER BY country, code, year DESC
) AS latest
WHERE latest.country = c.country AND latest.code = c.code
