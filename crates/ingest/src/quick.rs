//! The quick import: one file of service points, described on the command line instead
//! of a manifest, loaded with the same mapping, checks and transaction.

use std::collections::BTreeMap;
use std::path::PathBuf;

use observatory_core::Country;

use crate::manifest::{
    CategoryRule, FactPaths, FileFormat, Manifest, PositionRule, ServiceSpec, Source, SourceSpec,
};
use crate::read::{CsvFormat, Encoding};
use crate::IngestError;

#[derive(Debug, Clone)]
pub struct QuickImport {
    pub file: PathBuf,
    pub source_id: String,
    pub taxonomy: PathBuf,
    pub category_field: String,
    /// `category` (taxonomy ids), `osm` (key=value tags), or a taxonomy vocabulary.
    pub vocabulary: String,
    pub id_field: Option<String>,
    pub name_field: Option<String>,
    pub x_field: Option<String>,
    pub y_field: Option<String>,
    pub srid: i32,
    pub delimiter: char,
    pub latin1: bool,
    pub observed_on: chrono::NaiveDate,
    pub coverage: Vec<Country>,
    pub licence: String,
}

impl QuickImport {
    pub(crate) fn manifest(&self) -> Result<Manifest, IngestError> {
        let fail = |message: String| IngestError::Manifest {
            path: self.file.clone(),
            message,
        };
        if !self.file.is_file() {
            return Err(fail("no such file".into()));
        }
        let name = self.file.display().to_string();
        let format = if name.ends_with(".csv") || name.ends_with(".txt") {
            FileFormat::Csv
        } else if name.ends_with(".geojson") || name.ends_with(".json") {
            FileFormat::Geojson
        } else {
            return Err(fail("give a .csv or .geojson file".into()));
        };
        let position = match (&self.x_field, &self.y_field) {
            (Some(x), Some(y)) => PositionRule::Fields {
                x: x.clone(),
                y: y.clone(),
                srid: self.srid,
            },
            (None, None) if format == FileFormat::Geojson => PositionRule::Geometry,
            _ => return Err(fail("a CSV file needs --x-field and --y-field".into())),
        };
        let valid_id = !self.source_id.is_empty()
            && self
                .source_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_id {
            return Err(fail(format!(
                "--source-id {:?}: use letters, digits, - and _",
                self.source_id
            )));
        }
        Ok(Manifest {
            name: format!("quick import of {name}"),
            path: self.file.clone(),
            area: BTreeMap::new(),
            facts: FactPaths {
                changes: None,
                names: None,
                arrondissements: None,
                taxonomy: Some(self.taxonomy.clone()),
                indicators: None,
            },
            sources: vec![Source {
                id: self.source_id.clone(),
                title: format!("Quick import of {name}"),
                path: self.file.clone(),
                relative_path: name,
                publisher: "operator".into(),
                licence: self.licence.clone(),
                reference_date: Some(self.observed_on.to_string()),
                spec: SourceSpec::Services(ServiceSpec {
                    format,
                    csv: CsvFormat {
                        delimiter: self.delimiter,
                        encoding: if self.latin1 {
                            Encoding::Latin1
                        } else {
                            Encoding::Utf8
                        },
                    },
                    coverage: self.coverage.clone(),
                    id_field: self.id_field.clone(),
                    name_field: self.name_field.clone(),
                    address_fields: Vec::new(),
                    commune_code_field: None,
                    category: CategoryRule::Field {
                        field: self.category_field.clone(),
                        vocabulary: self.vocabulary.clone(),
                    },
                    position,
                    snapshot_field: None,
                    observed_on: Some(self.observed_on),
                    status_field: None,
                    attribute_fields: Vec::new(),
                }),
            }],
        })
    }
}
