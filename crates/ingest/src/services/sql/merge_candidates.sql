-- Every pair the search for services other sources describe found (find_duplicates*.sql),
-- in the order services/merge.rs keeps one match per service by.
SELECT new_id, keep_id FROM service_merge_candidate ORDER BY new_id, keep_id
