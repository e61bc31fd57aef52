-- A category keeps a nearest-service index of its own (migration 0008) only where the
-- shared Web Mercator index of the services (migration 0007) would make its searches pass
-- over many services of other categories first: the rare categories.
--
-- Those indexes now serve one search only, the incremental refresh's after one service
-- changed (indicators/sql/nearest_search.sql and nearest_settle.sql); a full refresh
-- searches in the process. Yet a bulk load rebuilds every one of them
-- (service_load_attach(), migration 0005), and each build scans the whole table: fifteen
-- scans were half of what writing a 500,000-point load costs.
--
-- Measured on the generated national database (2.5 million services), the two nearest
-- services of 200 origins, per origin, own index against the shared one: hospitals (0.15 %
-- of the services) 0.06 ms against 1.6 ms, rail stations (0.4 %) 0.07 against 0.57,
-- libraries, post offices and secondary schools (1 % each) 0.06 against 0.31, post points
-- (1.5 %) 0.08 against 0.25; from pharmacies and banks (3 % each) up to bus stops (55 %),
-- 0.07 to 0.18 ms against 0.10 to 0.28, and bus stops faster on the shared index. Town
-- halls (one per commune, about 1.4 %) keep theirs with the rare ones.
--
-- The searches name no index: with a category's own index gone, the planner takes the
-- shared one and filters by category. The results are the same.
DROP INDEX service_nearest_pharmacy_idx;
DROP INDEX service_nearest_bank_idx;
DROP INDEX service_nearest_childcare_idx;
DROP INDEX service_nearest_primary_school_idx;
DROP INDEX service_nearest_bakery_idx;
DROP INDEX service_nearest_general_practitioner_idx;
DROP INDEX service_nearest_food_shop_idx;
DROP INDEX service_nearest_bus_stop_idx;
