//! Indicator definitions (`data/indicators.toml`): names and definitions in three
//! languages, unit, sources, reference dates, licence and method.

use std::path::Path;

use serde::Deserialize;

use crate::taxonomy::Labels;
use crate::{IngestError, Location};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub id: String,
    pub per_category: bool,
    pub unit: String,
    pub name: Labels,
    pub definition: Labels,
    pub sources: String,
    pub reference: String,
    pub licence: String,
    pub method: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    indicator: Vec<Definition>,
}

pub fn load(path: &Path) -> Result<Vec<Definition>, IngestError> {
    let fail = |message: String| IngestError::input(path, Location::File, None, message);
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let file: File = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let known = observatory_core::indicators::COMPUTED;
    for definition in &file.indicator {
        if !known.contains(&definition.id.as_str()) {
            return Err(fail(format!(
                "indicator {:?} has a definition but no computation; computed: {}",
                definition.id,
                known.join(", ")
            )));
        }
    }
    for id in known {
        if !file.indicator.iter().any(|d| d.id == *id) {
            return Err(fail(format!(
                "indicator {id:?} is computed but has no definition here"
            )));
        }
    }
    Ok(file.indicator)
}
