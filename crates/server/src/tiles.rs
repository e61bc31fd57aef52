//! The vector tile layers and the queries that build them in PostGIS.

use std::str::FromStr;

use serde_json::{json, Value};

use crate::ApiError;

/// A layer served as vector tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Communes,
    Borders,
}

impl Layer {
    pub const ALL: [Layer; 2] = [Layer::Communes, Layer::Borders];

    pub fn id(self) -> &'static str {
        match self {
            Layer::Communes => "communes",
            Layer::Borders => "borders",
        }
    }

    pub(crate) fn tile_sql(self) -> &'static str {
        match self {
            Layer::Communes => include_str!("sql/tile_communes.sql"),
            Layer::Borders => include_str!("sql/tile_borders.sql"),
        }
    }

    pub(crate) fn bounds_sql(self) -> &'static str {
        match self {
            Layer::Communes => include_str!("sql/bounds_communes.sql"),
            Layer::Borders => include_str!("sql/bounds_borders.sql"),
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Layer::Communes => "Communes of Belgium and France with population and density",
            Layer::Borders => "The Belgian–French national border",
        }
    }

    /// The attribute fields of the layer, for TileJSON's `vector_layers`.
    pub fn fields(self) -> Value {
        match self {
            Layer::Communes => json!({
                "id": "String: COUNTRY-CODE, e.g. BE-33011",
                "code": "String: NIS (BE) or INSEE (FR) code",
                "country": "String: BE or FR",
                "name": "String: official name",
                "name_nl": "String: Dutch name",
                "name_fr": "String: French name",
                "population": "Number: latest population counting exactly this commune",
                "population_year": "Number: year of that population",
                "area_km2": "Number: area in km²",
                "density": "Number: inhabitants per km²",
                "nearest_pharmacy_m": "Number: mean distance from where people live to the nearest pharmacy, either side of the border, metres (absent: not known here)",
                "nearest_hospital_m": "Number: the same for hospitals",
                "nearest_rail_station_m": "Number: the same for railway stations",
                "nearest_post_office_m": "Number: the same for post offices",
                "nearest_secondary_school_m": "Number: the same for secondary schools",
                "population_change_pct": "Number: population change over the source's years, percent"
            }),
            Layer::Borders => json!({ "countries": "String: the two countries, e.g. BE-FR" }),
        }
    }
}

impl FromStr for Layer {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Layer::ALL.into_iter().find(|l| l.id() == s).ok_or_else(|| {
            let known: Vec<&str> = Layer::ALL.iter().map(|l| l.id()).collect();
            ApiError::NotFound(format!("no tile layer {s:?}; layers: {}", known.join(", ")))
        })
    }
}

pub const MAX_ZOOM: u8 = 14;
/// Tiles are served beyond MAX_ZOOM (overzoom clients may still ask), up to this.
pub const MAX_SERVED_ZOOM: u8 = 22;

/// A tile address checked against its zoom level.
#[derive(Debug, Clone, Copy)]
pub struct TileCoord {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileCoord {
    pub fn parse(z: &str, x: &str, y_with_ext: &str) -> Result<TileCoord, ApiError> {
        let y = y_with_ext.strip_suffix(".mvt").ok_or_else(|| {
            ApiError::NotFound("tiles end in .mvt: /tiles/{layer}/{z}/{x}/{y}.mvt".into())
        })?;
        let bad = |what: &str, v: &str| {
            ApiError::BadRequest(format!("tile {what} {v:?} is not a whole number"))
        };
        let z: u8 = z.parse().map_err(|_| bad("zoom", z))?;
        let x: u32 = x.parse().map_err(|_| bad("column", x))?;
        let y: u32 = y.parse().map_err(|_| bad("row", y))?;
        if z > MAX_SERVED_ZOOM {
            return Err(ApiError::BadRequest(format!(
                "zoom {z} is beyond the maximum {MAX_SERVED_ZOOM}"
            )));
        }
        let size = 1u64 << z;
        if u64::from(x) >= size || u64::from(y) >= size {
            return Err(ApiError::BadRequest(format!(
                "tile {z}/{x}/{y} does not exist: at zoom {z}, x and y are below {size}"
            )));
        }
        Ok(TileCoord { z, x, y })
    }
}
