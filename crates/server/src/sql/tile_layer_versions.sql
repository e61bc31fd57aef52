-- The current version of each tile layer (advanced by triggers, migrations/0007).
SELECT communes, services, borders FROM tile_layer_version
