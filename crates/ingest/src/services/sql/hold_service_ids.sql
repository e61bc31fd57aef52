-- Holds the sequence of service ids until the transaction ends: any other transaction's
-- nextval waits until then (ALTER SEQUENCE takes a lock that conflicts with nextval's;
-- the sequence itself is left as it is), so that reserve_service_ids.sql draws a block
-- no one else draws from.
ALTER SEQUENCE service_id_seq INCREMENT BY 1
