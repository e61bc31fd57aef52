//! Reading source files: delimited text in the encodings real open data comes in, and
//! GeoJSON feature collections. Every value read is tied to its file and line or feature.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use serde::Deserialize;

use crate::{IngestError, Location};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Encoding {
    #[serde(rename = "utf-8", alias = "UTF-8", alias = "utf8")]
    Utf8,
    /// ISO-8859-1, read as its superset Windows-1252 (as browsers and INSEE files do).
    #[serde(
        rename = "latin-1",
        alias = "latin1",
        alias = "iso-8859-1",
        alias = "windows-1252"
    )]
    Latin1,
}

#[derive(Debug, Clone, Copy)]
pub struct CsvFormat {
    pub delimiter: char,
    pub encoding: Encoding,
}

/// A delimited text file with a header row, decoded to UTF-8 (a UTF-8 BOM is dropped).
pub struct CsvTable {
    path: PathBuf,
    headers: csv::StringRecord,
    reader: csv::Reader<DecodeReaderBytes<BufReader<File>, Vec<u8>>>,
}

/// One data row and the line it starts on.
pub struct CsvRow<'t> {
    pub line: u64,
    record: csv::StringRecord,
    path: &'t Path,
}

impl CsvTable {
    pub fn open(path: &Path, format: CsvFormat) -> Result<CsvTable, IngestError> {
        let file = File::open(path).map_err(|e| {
            IngestError::input(path, Location::File, None, format!("cannot open: {e}"))
        })?;
        let encoding = match format.encoding {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Latin1 => encoding_rs::WINDOWS_1252,
        };
        let decoded = DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_sniffing(format.encoding == Encoding::Utf8)
            .build(BufReader::new(file));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(format.delimiter as u8)
            .flexible(false)
            .from_reader(decoded);
        let headers = reader
            .headers()
            .map_err(|e| {
                IngestError::input(
                    path,
                    Location::Line(1),
                    None,
                    format!("unreadable header row: {e}"),
                )
            })?
            .clone();
        Ok(CsvTable {
            path: path.to_path_buf(),
            headers,
            reader,
        })
    }

    pub fn headers(&self) -> &csv::StringRecord {
        &self.headers
    }

    /// The index of a named column, or an error that lists the columns there are.
    pub fn column(&self, name: &str) -> Result<usize, IngestError> {
        self.headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                let available: Vec<&str> = self.headers.iter().collect();
                IngestError::input(
                    &self.path,
                    Location::Line(1),
                    Some(name),
                    format!("no such column; the header has: {}", available.join(", ")),
                )
            })
    }

    pub fn optional_column(&self, name: Option<&str>) -> Result<Option<usize>, IngestError> {
        name.map(|n| self.column(n)).transpose()
    }

    /// Calls `each` on every data row, in order; stops at the first error.
    pub fn for_each_row(
        &mut self,
        mut each: impl FnMut(&CsvRow<'_>) -> Result<(), IngestError>,
    ) -> Result<u64, IngestError> {
        let mut record = csv::StringRecord::new();
        let mut rows = 0;
        loop {
            let line = self.reader.position().line();
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(rows),
                Ok(true) => {
                    rows += 1;
                    let row = CsvRow {
                        line: record.position().map_or(line, |p| p.line()),
                        record: record.clone(),
                        path: &self.path,
                    };
                    each(&row)?;
                }
                Err(e) => {
                    let line = e.position().map_or(line, |p| p.line());
                    return Err(IngestError::input(
                        &self.path,
                        Location::Line(line),
                        None,
                        e.to_string(),
                    ));
                }
            }
        }
    }
}

impl CsvTable {
    /// Like `for_each_row` but lends the raw record, without copying it: the fast path for large files.
    pub fn for_each_raw(
        &mut self,
        mut each: impl FnMut(u64, &csv::StringRecord) -> Result<(), IngestError>,
    ) -> Result<u64, IngestError> {
        let mut record = csv::StringRecord::new();
        let mut rows = 0;
        loop {
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(rows),
                Ok(true) => {
                    rows += 1;
                    let line = record.position().map_or(rows + 1, |p| p.line());
                    each(line, &record)?;
                }
                Err(e) => {
                    let line = e.position().map_or(rows + 2, |p| p.line());
                    return Err(IngestError::input(
                        &self.path,
                        Location::Line(line),
                        None,
                        e.to_string(),
                    ));
                }
            }
        }
    }
}

impl CsvRow<'_> {
    /// The trimmed text of a column; empty cells are `None`.
    pub fn get(&self, column: usize) -> Option<&str> {
        self.record
            .get(column)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// The text of a column that must have a value.
    pub fn require(&self, column: usize, field: &str) -> Result<&str, IngestError> {
        self.get(column)
            .ok_or_else(|| self.error(field, "empty value"))
    }

    pub fn error(&self, field: &str, message: impl Into<String>) -> IngestError {
        IngestError::input(self.path, Location::Line(self.line), Some(field), message)
    }
}

/// Reads a whole GeoJSON FeatureCollection (boundary files are small; point sources are streamed elsewhere).
pub fn read_feature_collection(path: &Path) -> Result<geojson::FeatureCollection, IngestError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| IngestError::input(path, Location::File, None, format!("cannot read: {e}")))?;
    let geojson: geojson::GeoJson = text.parse().map_err(|e| {
        IngestError::input(
            path,
            Location::File,
            None,
            format!("malformed GeoJSON: {e}"),
        )
    })?;
    match geojson {
        geojson::GeoJson::FeatureCollection(collection) => Ok(collection),
        _ => Err(IngestError::input(
            path,
            Location::File,
            None,
            "expected a GeoJSON FeatureCollection",
        )),
    }
}

/// A feature's property as text, following a dotted path into nested objects
/// (`names.nl`) and arrays (`name.0.value`). Numbers are written without a fractional part when they have none.
pub fn property(feature: &geojson::Feature, path: &str) -> Option<String> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut value = feature.properties.as_ref()?.get(first)?;
    for part in parts {
        value = match part.parse::<usize>() {
            Ok(index) if value.is_array() => value.get(index)?,
            _ => value.get(part)?,
        };
    }
    match value {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(match n.as_i64() {
            Some(i) => i.to_string(),
            None => n.to_string(),
        }),
        _ => None,
    }
}
