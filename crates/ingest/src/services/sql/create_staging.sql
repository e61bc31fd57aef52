-- Raw records of one source, as read; dropped at commit.
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
    attributes     jsonb
) ON COMMIT DROP
