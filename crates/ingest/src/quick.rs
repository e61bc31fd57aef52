//! The quick import: one file of service points, described on the command line instead
//! of a manifest, loaded with the same mapping, checks and transaction.

use std::collections::BTreeMap;
use std::path::PathBuf;

use observatory_core::Country;

use crate::manifest::{
    CategoryRule, FactPaths, FileFormat, Manifest, PositionRule, ServiceSpec, Source, SourceSpec,
};
use crate::read::{CsvFormat, Encoding};
use crate::taxonomy::{Taxonomy, CATEGORY_IDS, WORDS};
use crate::{IngestError, SourceSummary};

#[derive(Debug, Clone)]
pub struct QuickImport {
    pub file: PathBuf,
    pub source_id: String,
    pub taxonomy: PathBuf,
    /// The one category of every record, or the field holding each record's, as a value
    /// of a vocabulary: `words` (ids and common words, case- and accent-blind), `category`
    /// (exact taxonomy ids), `osm` (key=value tags), or one of the taxonomy's own.
    pub category: CategoryRule,
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
        let fail = |message: String| self.error(message);
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
            _ => {
                return Err(fail(
                    "a CSV file needs --x-field and --y-field (the columns of its coordinates)"
                        .into(),
                ))
            }
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
            region: None,
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
                    category: self.category.clone(),
                    position,
                    snapshot_field: None,
                    observed_on: Some(self.observed_on),
                    status_field: None,
                    attribute_fields: Vec::new(),
                }),
            }],
        })
    }

    /// An error that stops the import before it starts, naming the file as what it is.
    pub(crate) fn error(&self, message: String) -> IngestError {
        IngestError::QuickImport {
            path: self.file.clone(),
            message,
        }
    }

    /// Refuses a category or vocabulary the taxonomy does not define, naming the option
    /// and what it could be instead.
    pub(crate) fn check_taxonomy(&self, taxonomy: &Taxonomy) -> Result<(), IngestError> {
        match &self.category {
            CategoryRule::Fixed(category) if taxonomy.category(category.as_str()).is_none() => {
                let known: Vec<&str> = taxonomy.categories.iter().map(|c| c.id.as_str()).collect();
                Err(self.error(format!(
                    "--category {category}: {} has no such category; give one of {}",
                    self.taxonomy.display(),
                    known.join(", ")
                )))
            }
            CategoryRule::Field { vocabulary, .. } if !taxonomy.has_vocabulary(vocabulary) => {
                Err(self.error(format!(
                    "--vocabulary {vocabulary}: {} has no such vocabulary; give one of {}",
                    self.taxonomy.display(),
                    taxonomy.vocabularies().join(", ")
                )))
            }
            _ => Ok(()),
        }
    }

    /// Why the import failed when none of the file's records was loaded (every one
    /// refused, or none at all), and the ways out; `None` when some were loaded.
    pub(crate) fn nothing_loaded(&self, stats: Option<&SourceSummary>) -> Option<String> {
        let stats = stats?;
        if stats.loaded + stats.merged > 0 {
            return None;
        }
        if stats.read == 0 {
            return Some("the file holds no record, so nothing was written".into());
        }
        let unknown: u64 = stats.unknown_values.values().sum();
        let mut reasons = Vec::new();
        let mut ways_out = Vec::new();
        if unknown > 0 {
            let mut values: Vec<(&String, &u64)> = stats.unknown_values.iter().collect();
            values.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let shown: Vec<String> = values
                .iter()
                .take(3)
                .map(|(value, count)| format!("{value:?}: {count}"))
                .collect();
            let more = if values.len() > 3 { ", …" } else { "" };
            let (field, vocabulary) = match &self.category {
                CategoryRule::Field { field, vocabulary } => (field.as_str(), vocabulary.as_str()),
                CategoryRule::Fixed(_) => ("category", "category"),
            };
            reasons.push(format!(
                "{unknown} with a `{field}` value the taxonomy does not know ({}{more})",
                shown.join(", ")
            ));
            if vocabulary == CATEGORY_IDS {
                ways_out.push(format!(
                    "give --vocabulary {WORDS} if they are common words for a category (pharmacie, apotheek …)"
                ));
            }
            ways_out.push(format!(
                "map the values in {} (vocabulary `{vocabulary}`{})",
                self.taxonomy.display(),
                if vocabulary == WORDS {
                    ", the common words for each category"
                } else {
                    ""
                }
            ));
            ways_out.push("give --category ID instead of --category-field when every record of the file is of one category".into());
        }
        if stats.ignored > 0 {
            reasons.push(format!(
                "{} with a value the taxonomy ignores on purpose",
                stats.ignored
            ));
        }
        if stats.rejected > 0 {
            reasons.push(format!(
                "{} rejected for their position or id (see the notes above)",
                stats.rejected
            ));
            ways_out
                .push("check --x-field, --y-field and --srid (the coordinates' EPSG code)".into());
        }
        let mut message = format!(
            "none of its {} records was loaded: {}; nothing was written",
            stats.read,
            reasons.join(", ")
        );
        if !ways_out.is_empty() {
            message.push_str(". To load it, ");
            message.push_str(&ways_out.join(", or "));
        }
        Some(message)
    }
}
