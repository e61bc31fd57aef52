//! A layer of a tile as it is built: features, and the keys and values their properties
//! share (each stored once per layer, as the specification intends).

use std::collections::HashMap;

use chrono::NaiveDate;
use foldhash::fast::RandomState;

use super::geometry::TileGeometry;
use super::proto;
use super::EXTENT;

/// A property value of a feature, borrowing its text from the query's rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PropertyValue<'r> {
    String(&'r str),
    Double(f64),
    /// Written as PostGIS's `ST_AsMVT` writes integers: `uint_value` when not negative,
    /// `sint_value` otherwise.
    Int(i64),
    Bool(bool),
    /// Written as the text `YYYY-MM-DD`, once per distinct date in the layer.
    Date(NaiveDate),
}

/// The identity of a value within a layer (a double by its bits, so that it can be hashed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ValueKey<'r> {
    String(&'r str),
    Double(u64),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
}

impl<'r> PropertyValue<'r> {
    fn into_key(self) -> ValueKey<'r> {
        match self {
            PropertyValue::String(s) => ValueKey::String(s),
            PropertyValue::Double(d) => ValueKey::Double(d.to_bits()),
            PropertyValue::Int(i) => ValueKey::Int(i),
            PropertyValue::Bool(b) => ValueKey::Bool(b),
            PropertyValue::Date(d) => ValueKey::Date(d),
        }
    }
}

impl ValueKey<'_> {
    fn to_proto(self) -> proto::Value {
        let mut value = proto::Value::default();
        match self {
            ValueKey::String(s) => value.string_value = Some(s.to_owned()),
            ValueKey::Double(bits) => value.double_value = Some(f64::from_bits(bits)),
            ValueKey::Int(i) => match u64::try_from(i) {
                Ok(u) => value.uint_value = Some(u),
                Err(_) => value.sint_value = Some(i),
            },
            ValueKey::Bool(b) => value.bool_value = Some(b),
            ValueKey::Date(d) => value.string_value = Some(d.format("%Y-%m-%d").to_string()),
        }
        value
    }
}

/// A property's key, as [`LayerBuilder::key`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyId(u32);

#[derive(Debug)]
pub struct LayerBuilder<'r> {
    name: String,
    features: Vec<proto::Feature>,
    keys: Vec<String>,
    values: Vec<proto::Value>,
    value_ids: HashMap<ValueKey<'r>, u32, RandomState>,
}

impl<'r> LayerBuilder<'r> {
    pub fn new(name: &str) -> LayerBuilder<'r> {
        LayerBuilder {
            name: name.to_owned(),
            features: Vec::new(),
            keys: Vec::new(),
            values: Vec::new(),
            value_ids: HashMap::default(),
        }
    }

    /// The key of a property, added to the layer's keys if new.
    pub fn key(&mut self, name: &str) -> KeyId {
        let index = match self.keys.iter().position(|k| k == name) {
            Some(i) => i,
            None => {
                self.keys.push(name.to_owned());
                self.keys.len() - 1
            }
        };
        KeyId(index as u32)
    }

    /// Adds a feature; its properties in the order given.
    pub fn add(
        &mut self,
        id: Option<u64>,
        geometry: TileGeometry,
        properties: &[(KeyId, PropertyValue<'r>)],
    ) {
        let mut tags = Vec::with_capacity(2 * properties.len());
        for &(KeyId(key), value) in properties {
            tags.push(key);
            tags.push(self.value_id(value));
        }
        self.features.push(proto::Feature {
            id,
            tags,
            r#type: Some(geometry.kind as i32),
            geometry: geometry.commands,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    pub fn into_layer(self) -> proto::Layer {
        proto::Layer {
            version: 2,
            name: self.name,
            features: self.features,
            keys: self.keys,
            values: self.values,
            extent: Some(EXTENT),
        }
    }

    fn value_id(&mut self, value: PropertyValue<'r>) -> u32 {
        let key = value.into_key();
        if let Some(&id) = self.value_ids.get(&key) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(key.to_proto());
        self.value_ids.insert(key, id);
        id
    }
}

/// The encoded tile of these layers, leaving out empty ones; no bytes at all when every
/// layer is empty (the server answers 204 for such a tile).
pub fn encode_tile<'r>(layers: impl IntoIterator<Item = LayerBuilder<'r>>) -> Vec<u8> {
    use prost::Message;
    let tile = proto::Tile {
        layers: layers
            .into_iter()
            .filter(|l| !l.is_empty())
            .map(LayerBuilder::into_layer)
            .collect(),
    };
    if tile.layers.is_empty() {
        return Vec::new();
    }
    tile.encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mvt::geometry::GeometryEncoder;
    use crate::mvt::TileFrame;
    use geo::{Geometry, Point};
    use prost::Message;

    fn a_point() -> TileGeometry {
        GeometryEncoder::new(TileFrame::new(0, 0, 0))
            .encode(&Geometry::Point(Point::new(0.0, 0.0)))
            .expect("a point")
            .expect("inside the tile")
    }

    #[test]
    fn keys_and_values_are_stored_once_per_layer() {
        let mut layer = LayerBuilder::new("services");
        let (name, population) = (layer.key("name"), layer.key("population"));
        assert_eq!(layer.key("name"), name);
        layer.add(
            Some(7),
            a_point(),
            &[
                (name, PropertyValue::String("Ieper")),
                (population, PropertyValue::Int(-3)),
            ],
        );
        layer.add(
            None,
            a_point(),
            &[
                (name, PropertyValue::String("Ieper")),
                (population, PropertyValue::Int(35_000)),
            ],
        );
        let bytes = encode_tile([layer]);
        let tile = proto::Tile::decode(bytes.as_slice()).expect("a tile");
        let layer = &tile.layers[0];
        assert_eq!(
            (layer.name.as_str(), layer.version, layer.extent),
            ("services", 2, Some(4096))
        );
        assert_eq!(layer.keys, vec!["name", "population"]);
        assert_eq!(layer.values.len(), 3, "{:?}", layer.values);
        assert_eq!(layer.values[1].sint_value, Some(-3));
        assert_eq!(layer.values[2].uint_value, Some(35_000));
        assert_eq!(layer.features[0].id, Some(7));
        assert_eq!(layer.features[0].tags, vec![0, 0, 1, 1]);
        assert_eq!(layer.features[1].tags, vec![0, 0, 1, 2]);
        assert_eq!(
            layer.features[1].r#type,
            Some(proto::GeomType::Point as i32)
        );
    }

    #[test]
    fn dates_are_written_as_iso_text_once_per_date() {
        let mut layer = LayerBuilder::new("services");
        let seen = layer.key("first_seen");
        let date = NaiveDate::from_ymd_opt(2016, 3, 1).expect("a date");
        for _ in 0..2 {
            layer.add(None, a_point(), &[(seen, PropertyValue::Date(date))]);
        }
        let tile = proto::Tile::decode(encode_tile([layer]).as_slice()).expect("a tile");
        let values = &tile.layers[0].values;
        assert_eq!(values.len(), 1, "{values:?}");
        assert_eq!(values[0].string_value.as_deref(), Some("2016-03-01"));
    }

    #[test]
    fn a_tile_without_features_has_no_bytes() {
        assert!(encode_tile([LayerBuilder::new("communes")]).is_empty());
    }
}
