-- Every loaded source with what a reader must credit: publisher, licence, reference date.
SELECT id, title, publisher, licence, reference_date
FROM source
ORDER BY id
