SELECT coalesce(max(id), 0) FROM data_release
