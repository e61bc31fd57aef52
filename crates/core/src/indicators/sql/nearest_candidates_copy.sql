COPY nearest_candidate (origin, category, across, national, service_id, alone, origin_x, origin_y, service_x, service_y)
FROM STDIN (FORMAT binary)
