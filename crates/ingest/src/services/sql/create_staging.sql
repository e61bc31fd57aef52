-- Raw records of one source, as read; dropped at commit. `located`: the reader already
-- found the commune (`found_country`, `found_code`, NULL for a point in the 5 km margin)
-- of this longitude/latitude point and dropped it if it lay farther out.
CREATE TEMP TABLE IF NOT EXISTS service_staging (
    ord            bigint NOT NULL,
    location       text NOT NULL,
    record_id      text,
    category       text NOT NULL,
    raw_category   text,
    name           text,
    address        text,
    source_commune text,
    x              double precision NOT NULL,
    y              double precision NOT NULL,
    seen_on        date NOT NULL,
    status         text,
    attributes     jsonb,
    located        boolean NOT NULL,
    found_country  char(2),
    found_code     text
) ON COMMIT DROP
