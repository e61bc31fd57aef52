COPY inventory_candidate (id, origin) FROM STDIN (FORMAT binary)
