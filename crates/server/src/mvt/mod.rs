//! Vector tiles (Mapbox Vector Tile specification 2.1) built in the server from the rows a
//! layer's query selects in PostGIS. PostGIS finds the features of a tile through its
//! spatial index and reads each outline from the zoom band's simplified column; the server
//! clips, snaps and encodes them. Building the tile in PostGIS (`ST_AsMVTGeom`, `ST_AsMVT`)
//! spent most of the database's time per tile on repairing each clipped outline, which
//! the clipping below does for a fraction of the work, and outside the database, which
//! every server shares.

mod geometry;
mod layer;
mod proto;
mod rows;

pub use geometry::TileFrame;
pub use layer::encode_tile;
pub use rows::{data_version, layer_from_rows, Lookup, RowError};

/// Tile units across a tile.
pub const EXTENT: u32 = 4096;
/// Tile units kept around a tile, so that lines and outlines drawn across its edges join.
pub const BUFFER: u32 = 64;
