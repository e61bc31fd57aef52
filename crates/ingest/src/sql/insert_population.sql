INSERT INTO commune_population (country, code, year, population, covers, source_id)
SELECT country, code, year, population, string_to_array(covers, ','), source_id
FROM UNNEST($1::text[], $2::text[], $3::smallint[], $4::integer[], $5::text[], $6::text[])
     AS t(country, code, year, population, covers, source_id)
