-- One entity per record, when the reader saw no record id repeated within a category
-- (nor any id at all): the same result as group_entities.sql without its sort.
CREATE TEMP TABLE service_entity ON COMMIT DROP AS
SELECT nextval('service_id_seq') AS id, l.*,
       coalesce(l.record_id, 'record-' || l.ord) AS entity_key,
       ARRAY[l.seen_on] AS seen_dates
FROM service_located l
