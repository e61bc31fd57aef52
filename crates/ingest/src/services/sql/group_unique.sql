-- One entity per record, straight from the staging table, when the reader located every
-- point (longitude/latitude) and saw no record id repeated within a category (nor any
-- id at all): the same result as locate.sql then group_entities.sql, without their
-- copies and sort.
CREATE TEMP TABLE service_entity ON COMMIT DROP AS
SELECT nextval('service_id_seq') AS id,
       s.ord, s.location, s.record_id, s.category, s.raw_category, s.name, s.address,
       s.source_commune, s.seen_on, s.status, s.attributes, s.located,
       ST_SetSRID(ST_MakePoint(s.x, s.y), 4326) AS geom,
       s.found_country AS commune_country, s.found_code AS commune_code,
       coalesce(s.record_id, 'record-' || s.ord) AS entity_key,
       ARRAY[s.seen_on] AS seen_dates
FROM service_staging s
