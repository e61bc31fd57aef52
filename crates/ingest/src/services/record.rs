//! Reading service records one at a time from GeoJSON or CSV, whatever the file's size.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use crate::manifest::{FileFormat, ServiceSpec};
use crate::read::property;
use crate::{IngestError, Location};

/// One record's fields, by name, however the file stores them.
pub enum Fields<'r> {
    Feature(&'r geojson::Feature),
    Row {
        record: &'r csv::StringRecord,
        columns: &'r HashMap<String, usize>,
    },
}

impl Fields<'_> {
    /// A field's trimmed text; empty is `None`.
    pub fn get(&self, name: &str) -> Option<String> {
        match self {
            Fields::Feature(feature) => property(feature, name),
            Fields::Row { record, columns } => columns
                .get(name)
                .and_then(|i| record.get(*i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
        }
    }

    /// The GeoJSON geometry as a longitude/latitude pair, if it is a Point.
    pub fn point(&self) -> Result<(f64, f64), String> {
        let Fields::Feature(feature) = self else {
            return Err("a CSV record has no geometry; name `x_field` and `y_field`".into());
        };
        match feature.geometry.as_ref().map(|g| &g.value) {
            Some(geojson::Value::Point(c)) if c.len() >= 2 => Ok((c[0], c[1])),
            Some(other) => Err(format!("expected a Point, found a {}", other.type_name())),
            None => Err("the feature has no geometry".into()),
        }
    }
}

/// Streams the records of a services file.
// One reader per file: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum RecordReader {
    Geojson {
        path: std::path::PathBuf,
    },
    Csv {
        reader: crate::read::CsvTable,
        columns: HashMap<String, usize>,
    },
}

impl RecordReader {
    pub fn open(path: &Path, spec: &ServiceSpec) -> Result<RecordReader, IngestError> {
        match spec.format {
            FileFormat::Geojson => {
                // Opened here, so that a file that cannot be is refused before any work.
                File::open(path).map_err(|e| {
                    IngestError::input(path, Location::File, None, format!("cannot open: {e}"))
                })?;
                Ok(RecordReader::Geojson {
                    path: path.to_path_buf(),
                })
            }
            FileFormat::Csv => {
                let reader = crate::read::CsvTable::open(path, spec.csv)?;
                let mut columns = HashMap::new();
                for name in named_fields(spec) {
                    columns.insert(name.to_owned(), reader.column(name)?);
                }
                Ok(RecordReader::Csv { reader, columns })
            }
        }
    }

    /// Calls `each` with every record and its location; stops at the first error.
    pub fn for_each(
        self,
        mut each: impl FnMut(Location, &Fields<'_>) -> Result<(), IngestError>,
    ) -> Result<(), IngestError> {
        match self {
            RecordReader::Geojson { path } => {
                crate::read::for_each_feature(&path, |index, feature| {
                    each(
                        Location::Feature { index, code: None },
                        &Fields::Feature(&feature),
                    )
                })?;
                Ok(())
            }
            RecordReader::Csv {
                mut reader,
                columns,
                ..
            } => {
                reader.for_each_raw(|line, record| {
                    each(
                        Location::Line(line),
                        &Fields::Row {
                            record,
                            columns: &columns,
                        },
                    )
                })?;
                Ok(())
            }
        }
    }
}

/// Every field name the spec reads, so a CSV header missing one is refused up front.
fn named_fields(spec: &ServiceSpec) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    names.extend(spec.id_field.as_deref());
    names.extend(spec.name_field.as_deref());
    names.extend(spec.address_fields.iter().map(String::as_str));
    names.extend(spec.commune_code_field.as_deref());
    if let crate::manifest::CategoryRule::Field { field, .. } = &spec.category {
        names.push(field);
    }
    if let crate::manifest::PositionRule::Fields { x, y, .. } = &spec.position {
        names.push(x);
        names.push(y);
    }
    names.extend(spec.snapshot_field.as_deref());
    names.extend(spec.status_field.as_deref());
    names.extend(spec.attribute_fields.iter().map(String::as_str));
    names
}
