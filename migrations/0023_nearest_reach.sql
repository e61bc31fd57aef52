-- The refresh after one changed service looks for the origins whose nearest service it
-- can change: those at least as near the changed point as their own nearest service. It
-- measured that for every origin (0.6 s of the 0.73 s refresh with 40,000 origins). The
-- farthest nearest service of the category bounds how far such an origin can be, so only
-- the origins within that reach are measured: the reach is read from the end of an index
-- on (category, distance), the origins within it through a planar index on their points.
CREATE INDEX access_nearest_reach_idx ON access_nearest (category, distance_m);
CREATE INDEX access_origin_geom_3857_idx ON access_origin USING gist (geom_3857);
