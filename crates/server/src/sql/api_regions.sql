-- Every region (migration 0020), in the order they were first loaded (the first is the
-- atlas's default): names, the extent of its communes, the box the map opens on (the
-- manifest's, else that extent) and how many communes it has.
SELECT r.id, r.name_nl, r.name_fr, r.name_en,
       ST_XMin(r.extent) AS west, ST_YMin(r.extent) AS south,
       ST_XMax(r.extent) AS east, ST_YMax(r.extent) AS north,
       CASE WHEN r.view_box IS NOT NULL THEN r.view_box
            WHEN r.extent IS NOT NULL
            THEN ARRAY[ST_XMin(r.extent), ST_YMin(r.extent), ST_XMax(r.extent), ST_YMax(r.extent)] END AS view_box,
       (SELECT count(*) FROM commune c WHERE c.region_id = r.id) AS communes
FROM region r
ORDER BY r.ordinal
