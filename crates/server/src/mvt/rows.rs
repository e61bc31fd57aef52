//! A layer from the rows of its tile query. The column `geom` holds the geometry (WKB, in
//! Web Mercator metres); the layer may name a column whose value is the feature id; every
//! other column is a property, left out where NULL (as `ST_AsMVT` does), so the query
//! alone says what a feature carries. A [`Lookup`] adds the properties that follow from
//! one of those columns (a service category's group and labels, a commune's indicator
//! values), read by a second query of the layer once per data version, so that the tile
//! query itself reads one table: a join per feature was a third of the database's work
//! for a tile.
//!
//! Both queries also give the column [`VERSION_COLUMN`] (bigint): the layer's data version
//! read in the same snapshot as the rows, which tells what data a tile was built from
//! ([`data_version`]); it is no property. Since the tile query gives one row even when no
//! feature touches the tile (with a NULL geometry, left out), it always carries the version.

use std::collections::HashMap;

use chrono::NaiveDate;
use foldhash::fast::RandomState;
use sqlx::postgres::PgRow;
use sqlx::{Column, Row, TypeInfo};

use super::geometry::{GeometryEncoder, GeometryError, TileFrame};
use super::layer::{KeyId, LayerBuilder, PropertyValue};

/// The column giving the data version the rows were read at.
pub const VERSION_COLUMN: &str = "data_version";

#[derive(Debug, thiserror::Error)]
pub enum RowError {
    #[error("the tile query of layer {layer} has no bytea column `geom`")]
    NoGeometry { layer: String },
    #[error("a query of layer {layer} gives no row with a bigint column `{VERSION_COLUMN}`: it cannot tell the data version it read")]
    NoVersion { layer: String },
    #[error("layer {layer}, column {column}: {source}")]
    Column {
        layer: String,
        column: String,
        source: sqlx::Error,
    },
    #[error(
        "layer {layer}, column {column}: type {type_name} cannot be a tile property; \
         cast it in the tile query to text, integer, bigint, double precision, boolean or date"
    )]
    PropertyType {
        layer: String,
        column: String,
        type_name: String,
    },
    #[error(
        "layer {layer}: the lookup is keyed by column `{column}`, which must be a text \
         column of both the lookup query and the tile query"
    )]
    LookupKey { layer: String, column: String },
    #[error("layer {layer}: the feature id {id} is negative")]
    NegativeId { layer: String, id: i64 },
    #[error("layer {layer}: undecodable WKB geometry: {message}")]
    Wkb { layer: String, message: String },
    #[error("layer {layer}: {source}")]
    Geometry {
        layer: String,
        source: GeometryError,
    },
}

/// How one column of the query becomes part of a feature.
#[derive(Debug, Clone, Copy)]
enum Role {
    Geometry,
    Id,
    /// [`VERSION_COLUMN`].
    Version,
    Text,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Bool,
    Date,
}

/// Properties that follow from the value of one text column of a layer's features.
#[derive(Debug)]
pub struct Lookup {
    column: String,
    names: Vec<String>,
    entries: HashMap<String, Vec<Option<OwnedValue>>, RandomState>,
}

/// A property value held by a [`Lookup`].
#[derive(Debug)]
enum OwnedValue {
    String(Box<str>),
    Double(f64),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
}

impl OwnedValue {
    fn from_property(value: PropertyValue<'_>) -> OwnedValue {
        match value {
            PropertyValue::String(s) => OwnedValue::String(s.into()),
            PropertyValue::Double(d) => OwnedValue::Double(d),
            PropertyValue::Int(i) => OwnedValue::Int(i),
            PropertyValue::Bool(b) => OwnedValue::Bool(b),
            PropertyValue::Date(d) => OwnedValue::Date(d),
        }
    }

    fn as_property(&self) -> PropertyValue<'_> {
        match self {
            OwnedValue::String(s) => PropertyValue::String(s),
            OwnedValue::Double(d) => PropertyValue::Double(*d),
            OwnedValue::Int(i) => PropertyValue::Int(*i),
            OwnedValue::Bool(b) => PropertyValue::Bool(*b),
            OwnedValue::Date(d) => PropertyValue::Date(*d),
        }
    }
}

impl Lookup {
    /// The lookup of layer `layer` from the rows of its lookup query: `column` (text) is
    /// the key, every other column a property, as in the tile query.
    pub fn from_rows(layer: &str, column: &str, rows: &[PgRow]) -> Result<Lookup, RowError> {
        let mut lookup = Lookup {
            column: column.to_owned(),
            names: Vec::new(),
            entries: HashMap::default(),
        };
        let Some(first) = rows.first() else {
            return Ok(lookup);
        };
        let roles = roles(layer, first, None)?;
        let key_at = text_column(layer, &roles, column)?;
        lookup.names = roles
            .iter()
            .enumerate()
            .filter(|&(i, (_, role))| i != key_at && !matches!(role, Role::Version))
            .map(|(_, (name, _))| name.clone())
            .collect();
        for row in rows {
            let mut key = None;
            let mut values = Vec::with_capacity(lookup.names.len());
            for (i, (_, role)) in roles.iter().enumerate() {
                if matches!(role, Role::Version) {
                    continue;
                }
                let value = property(row, i, *role)
                    .map_err(|source| column_error(layer, &roles, i, source))?;
                if i == key_at {
                    key = match value {
                        Some(PropertyValue::String(s)) => Some(s.to_owned()),
                        _ => None,
                    };
                } else {
                    values.push(value.map(OwnedValue::from_property));
                }
            }
            if let Some(key) = key {
                lookup.entries.insert(key, values);
            }
        }
        Ok(lookup)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The data version `rows` were read at: their [`VERSION_COLUMN`], the same in every row.
pub fn data_version(layer: &str, rows: &[PgRow]) -> Result<i64, RowError> {
    let no_version = || RowError::NoVersion {
        layer: layer.to_owned(),
    };
    let first = rows.first().ok_or_else(no_version)?;
    first
        .try_get::<i64, _>(VERSION_COLUMN)
        .map_err(|_| no_version())
}

/// Where the text column that keys a lookup is, in both the lookup and the tile query.
fn text_column(layer: &str, roles: &[(String, Role)], column: &str) -> Result<usize, RowError> {
    roles
        .iter()
        .position(|(name, role)| name == column && matches!(role, Role::Text))
        .ok_or_else(|| RowError::LookupKey {
            layer: layer.to_owned(),
            column: column.to_owned(),
        })
}

fn column_error(layer: &str, roles: &[(String, Role)], i: usize, source: sqlx::Error) -> RowError {
    RowError::Column {
        layer: layer.to_owned(),
        column: roles[i].0.clone(),
        source,
    }
}

/// The value of column `i` as a property (None where NULL); not for geometry or id columns.
fn property(row: &PgRow, i: usize, role: Role) -> Result<Option<PropertyValue<'_>>, sqlx::Error> {
    Ok(match role {
        Role::Geometry | Role::Id | Role::Version => None,
        Role::Text => row
            .try_get::<Option<&str>, _>(i)?
            .map(PropertyValue::String),
        Role::Int2 => row
            .try_get::<Option<i16>, _>(i)?
            .map(|v| PropertyValue::Int(v.into())),
        Role::Int4 => row
            .try_get::<Option<i32>, _>(i)?
            .map(|v| PropertyValue::Int(v.into())),
        Role::Int8 => row.try_get::<Option<i64>, _>(i)?.map(PropertyValue::Int),
        Role::Float4 => row
            .try_get::<Option<f32>, _>(i)?
            .map(|v| PropertyValue::Double(v.into())),
        Role::Float8 => row.try_get::<Option<f64>, _>(i)?.map(PropertyValue::Double),
        Role::Bool => row.try_get::<Option<bool>, _>(i)?.map(PropertyValue::Bool),
        Role::Date => row
            .try_get::<Option<NaiveDate>, _>(i)?
            .map(PropertyValue::Date),
    })
}

/// The layer `name` of the tile at `frame`, from the rows of its query, in their order.
/// Rows whose geometry lies outside the tile and its buffer once clipped are left out.
/// The properties of `lookup`, if any, follow the column that keys them.
pub fn layer_from_rows<'r>(
    name: &str,
    frame: &TileFrame,
    rows: &'r [PgRow],
    id_column: Option<&str>,
    lookup: Option<&'r Lookup>,
) -> Result<LayerBuilder<'r>, RowError> {
    let mut layer = LayerBuilder::new(name);
    let Some(first) = rows.first() else {
        return Ok(layer);
    };
    let roles = roles(name, first, id_column)?;
    if !roles.iter().any(|(_, r)| matches!(r, Role::Geometry)) {
        return Err(RowError::NoGeometry {
            layer: name.to_owned(),
        });
    }
    // The lookup with the column of the tile query that keys it.
    let lookup = match lookup {
        Some(lookup) => Some((text_column(name, &roles, &lookup.column)?, lookup)),
        None => None,
    };
    let mut keys: Vec<Option<KeyId>> = Vec::with_capacity(roles.len());
    let mut lookup_keys: Vec<KeyId> = Vec::new();
    for (i, (column, role)) in roles.iter().enumerate() {
        keys.push(match role {
            Role::Geometry | Role::Id | Role::Version => None,
            _ => Some(layer.key(column)),
        });
        // The lookup's properties take their keys right after the column keying them.
        if let Some((_, lookup)) = lookup.filter(|&(at, _)| at == i) {
            lookup_keys = lookup.names.iter().map(|n| layer.key(n)).collect();
        }
    }
    let mut properties = Vec::with_capacity(roles.len() + lookup_keys.len());
    let mut encoder = GeometryEncoder::new(*frame);
    for row in rows {
        let mut wkb = None;
        let mut id = None;
        properties.clear();
        for (i, (_, role)) in roles.iter().enumerate() {
            match role {
                Role::Geometry => {
                    wkb = row
                        .try_get::<Option<&[u8]>, _>(i)
                        .map_err(|e| column_error(name, &roles, i, e))?;
                }
                Role::Id => {
                    let value: Option<i64> = row
                        .try_get(i)
                        .map_err(|e| column_error(name, &roles, i, e))?;
                    id = value
                        .map(|v| {
                            u64::try_from(v).map_err(|_| RowError::NegativeId {
                                layer: name.to_owned(),
                                id: v,
                            })
                        })
                        .transpose()?;
                }
                Role::Version => {}
                _ => {
                    let value =
                        property(row, i, *role).map_err(|e| column_error(name, &roles, i, e))?;
                    let (Some(key), Some(value)) = (keys[i], value) else {
                        continue;
                    };
                    properties.push((key, value));
                    let looked_up = match (lookup, value) {
                        (Some((at, lookup)), PropertyValue::String(k)) if at == i => {
                            lookup.entries.get(k)
                        }
                        _ => None,
                    };
                    if let Some(values) = looked_up {
                        properties.extend(
                            lookup_keys
                                .iter()
                                .zip(values)
                                .filter_map(|(&key, v)| Some((key, v.as_ref()?.as_property()))),
                        );
                    }
                }
            }
        }
        let Some(wkb) = wkb else {
            continue;
        };
        let geometry = wkb::reader::read_wkb(wkb).map_err(|e| RowError::Wkb {
            layer: name.to_owned(),
            message: e.to_string(),
        })?;
        let tiled = encoder
            .encode(&geometry)
            .map_err(|source| RowError::Geometry {
                layer: name.to_owned(),
                source,
            })?;
        if let Some(tiled) = tiled {
            layer.add(id, tiled, &properties);
        }
    }
    Ok(layer)
}

fn roles(
    layer: &str,
    row: &PgRow,
    id_column: Option<&str>,
) -> Result<Vec<(String, Role)>, RowError> {
    let mut roles = Vec::with_capacity(row.columns().len());
    for column in row.columns() {
        let name = column.name();
        let type_name = column.type_info().name();
        let role = if name == "geom" && type_name == "BYTEA" {
            Role::Geometry
        } else if Some(name) == id_column && type_name == "INT8" {
            Role::Id
        } else if name == VERSION_COLUMN && type_name == "INT8" {
            Role::Version
        } else {
            match type_name {
                "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Role::Text,
                "INT2" => Role::Int2,
                "INT4" => Role::Int4,
                "INT8" => Role::Int8,
                "FLOAT4" => Role::Float4,
                "FLOAT8" => Role::Float8,
                "BOOL" => Role::Bool,
                "DATE" => Role::Date,
                other => {
                    return Err(RowError::PropertyType {
                        layer: layer.to_owned(),
                        column: name.to_owned(),
                        type_name: other.to_owned(),
                    })
                }
            }
        };
        roles.push((name.to_owned(), role));
    }
    Ok(roles)
}
