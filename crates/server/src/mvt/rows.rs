//! A layer from the rows of its tile query. The column `geom` holds the geometry (WKB, in
//! Web Mercator metres); the layer may name a column whose value is the feature id; every
//! other column is a property, left out where NULL (as `ST_AsMVT` does), so the query
//! alone says what a feature carries.

use sqlx::postgres::PgRow;
use sqlx::{Column, Row, TypeInfo};

use super::geometry::{GeometryEncoder, GeometryError, TileFrame};
use super::layer::{KeyId, LayerBuilder, PropertyValue};

#[derive(Debug, thiserror::Error)]
pub enum RowError {
    #[error("the tile query of layer {layer} has no bytea column `geom`")]
    NoGeometry { layer: String },
    #[error("layer {layer}, column {column}: {source}")]
    Column {
        layer: String,
        column: String,
        source: sqlx::Error,
    },
    #[error(
        "layer {layer}, column {column}: type {type_name} cannot be a tile property; \
         cast it in the tile query to text, integer, bigint, double precision or boolean"
    )]
    PropertyType {
        layer: String,
        column: String,
        type_name: String,
    },
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
    Text,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Bool,
}

/// The layer `name` of the tile at `frame`, from the rows of its query, in their order.
/// Rows whose geometry lies outside the tile and its buffer once clipped are left out.
pub fn layer_from_rows<'r>(
    name: &str,
    frame: &TileFrame,
    rows: &'r [PgRow],
    id_column: Option<&str>,
) -> Result<LayerBuilder<'r>, RowError> {
    let mut layer = LayerBuilder::new(name);
    let Some(first) = rows.first() else {
        return Ok(layer);
    };
    let roles = roles(name, first, id_column)?;
    let keys: Vec<Option<KeyId>> = roles
        .iter()
        .map(|(column, role)| match role {
            Role::Geometry | Role::Id => None,
            _ => Some(layer.key(column)),
        })
        .collect();
    let column_error = |i: usize, source| RowError::Column {
        layer: name.to_owned(),
        column: roles[i].0.clone(),
        source,
    };
    let mut properties = Vec::with_capacity(roles.len());
    let mut encoder = GeometryEncoder::new(*frame);
    for row in rows {
        let mut wkb = None;
        let mut id = None;
        properties.clear();
        for (i, (_, role)) in roles.iter().enumerate() {
            let value = match role {
                Role::Geometry => {
                    wkb = row
                        .try_get::<Option<&[u8]>, _>(i)
                        .map_err(|e| column_error(i, e))?;
                    continue;
                }
                Role::Id => {
                    let value: Option<i64> = row.try_get(i).map_err(|e| column_error(i, e))?;
                    id = value
                        .map(|v| {
                            u64::try_from(v).map_err(|_| RowError::NegativeId {
                                layer: name.to_owned(),
                                id: v,
                            })
                        })
                        .transpose()?;
                    continue;
                }
                Role::Text => row
                    .try_get::<Option<&str>, _>(i)
                    .map(|v| v.map(PropertyValue::String)),
                Role::Int2 => row
                    .try_get::<Option<i16>, _>(i)
                    .map(|v| v.map(|v| PropertyValue::Int(v.into()))),
                Role::Int4 => row
                    .try_get::<Option<i32>, _>(i)
                    .map(|v| v.map(|v| PropertyValue::Int(v.into()))),
                Role::Int8 => row
                    .try_get::<Option<i64>, _>(i)
                    .map(|v| v.map(PropertyValue::Int)),
                Role::Float4 => row
                    .try_get::<Option<f32>, _>(i)
                    .map(|v| v.map(|v| PropertyValue::Double(v.into()))),
                Role::Float8 => row
                    .try_get::<Option<f64>, _>(i)
                    .map(|v| v.map(PropertyValue::Double)),
                Role::Bool => row
                    .try_get::<Option<bool>, _>(i)
                    .map(|v| v.map(PropertyValue::Bool)),
            }
            .map_err(|e| column_error(i, e))?;
            if let (Some(key), Some(value)) = (keys[i], value) {
                properties.push((key, value));
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
        } else {
            match type_name {
                "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Role::Text,
                "INT2" => Role::Int2,
                "INT4" => Role::Int4,
                "INT8" => Role::Int8,
                "FLOAT4" => Role::Float4,
                "FLOAT8" => Role::Float8,
                "BOOL" => Role::Bool,
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
    if !roles.iter().any(|(_, r)| matches!(r, Role::Geometry)) {
        return Err(RowError::NoGeometry {
            layer: layer.to_owned(),
        });
    }
    Ok(roles)
}
