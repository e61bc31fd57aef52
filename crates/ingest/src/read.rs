//! Reading source files: delimited text in the encodings real open data comes in, and
//! GeoJSON feature collections. Every value read is tied to its file and line or feature.
//!
//! Memory stays bounded whatever a file holds: a CSV record (one row, line breaks inside
//! quotes included) may be at most [`RECORD_LIMIT`] bytes and a GeoJSON feature at most
//! [`FEATURE_LIMIT`] bytes; a longer one is refused with an error naming it, before it is
//! held in memory whole. GeoJSON nested deeper than 128 levels is refused too (serde_json's
//! recursion limit).

use std::cell::Cell;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

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

/// The longest CSV record accepted, in bytes (of UTF-8, after decoding): 1 MiB. Real rows
/// are a few hundred bytes; the csv crate holds a whole record in memory, so a longer one
/// (a runaway quote, a file that is not CSV, a 1 GB line) is refused when it passes the limit.
pub const RECORD_LIMIT: u64 = 1 << 20;

/// The largest GeoJSON feature accepted, in bytes of the file: 16 MiB. The largest real
/// commune outline is under 100 KB; a feature is held in memory whole while it is parsed.
pub const FEATURE_LIMIT: u64 = 16 << 20;

/// A reader that fails once more than `limit` bytes have passed since the last `reset`:
/// what keeps one record or feature from filling the memory.
struct Budget<R> {
    inner: R,
    since_reset: Rc<Cell<u64>>,
    limit: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R> Budget<R> {
    fn new(inner: R, limit: u64) -> Self {
        Budget {
            inner,
            since_reset: Rc::new(Cell::new(0)),
            limit,
            exceeded: Rc::new(Cell::new(false)),
        }
    }
}

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.since_reset.get() > self.limit {
            self.exceeded.set(true);
            return Err(std::io::Error::other(format!(
                "longer than {} bytes",
                self.limit
            )));
        }
        let n = self.inner.read(buf)?;
        self.since_reset.set(self.since_reset.get() + n as u64);
        Ok(n)
    }
}

type CsvSource = Budget<DecodeReaderBytes<BufReader<File>, Vec<u8>>>;

/// A delimited text file with a header row, decoded to UTF-8 (a UTF-8 BOM is dropped).
pub struct CsvTable {
    path: PathBuf,
    headers: csv::StringRecord,
    reader: csv::Reader<CsvSource>,
    since_reset: Rc<Cell<u64>>,
    exceeded: Rc<Cell<bool>>,
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
        if file.metadata().map(|m| m.len()).unwrap_or(1) == 0 {
            return Err(IngestError::input(
                path,
                Location::File,
                None,
                "the file is empty: expected a header row",
            ));
        }
        let encoding = match format.encoding {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Latin1 => encoding_rs::WINDOWS_1252,
        };
        let decoded = DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_sniffing(format.encoding == Encoding::Utf8)
            .build(BufReader::new(file));
        let budget = Budget::new(decoded, RECORD_LIMIT);
        let (since_reset, exceeded) = (budget.since_reset.clone(), budget.exceeded.clone());
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(format.delimiter as u8)
            .flexible(false)
            .from_reader(budget);
        let headers = match reader.headers() {
            Ok(headers) => headers.clone(),
            Err(e) => {
                let message = if exceeded.get() {
                    too_long("header row")
                } else {
                    format!("unreadable header row: {e}")
                };
                return Err(IngestError::input(path, Location::Line(1), None, message));
            }
        };
        if let Some(first) = headers.get(0) {
            if format.encoding == Encoding::Latin1 && first.starts_with(LATIN1_BOM) {
                return Err(IngestError::input(
                    path,
                    Location::Line(1),
                    None,
                    "the file starts with a UTF-8 byte order mark: it is UTF-8, not Latin-1 \
                     (set `encoding = \"utf-8\"`, or --encoding utf-8)",
                ));
            }
        }
        if headers.iter().all(|h| h.trim().is_empty()) {
            return Err(IngestError::input(
                path,
                Location::Line(1),
                None,
                "the header row is empty",
            ));
        }
        let table = CsvTable {
            path: path.to_path_buf(),
            headers,
            reader,
            since_reset,
            exceeded,
        };
        table.check_bom(1, &table.headers)?;
        Ok(table)
    }

    /// A byte order mark after the start of the file (two files joined into one): a
    /// UTF-8 one decodes to U+FEFF, or to `ï»¿` when the file is read as Latin-1.
    fn check_bom(&self, line: u64, record: &csv::StringRecord) -> Result<(), IngestError> {
        let text = record.as_slice();
        if !text.contains('\u{feff}') && !text.contains(LATIN1_BOM) {
            return Ok(());
        }
        let column = record
            .iter()
            .position(|f| f.contains('\u{feff}') || f.contains(LATIN1_BOM))
            .unwrap_or(0);
        let field = self
            .headers
            .get(column)
            .filter(|_| line > 1)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("column {}", column + 1));
        Err(IngestError::input(
            &self.path,
            Location::Line(line),
            Some(&field),
            "a byte order mark (U+FEFF) in the middle of the file: were two files joined? \
             Remove it (and any second header row)",
        ))
    }

    /// Starts the byte budget of the next record.
    fn next_record(&mut self) {
        self.since_reset.set(0);
    }

    /// The error of a record that could not be read.
    fn read_error(&self, line: u64, e: &csv::Error) -> IngestError {
        let (line, message) = if self.exceeded.get() {
            (line, too_long("record"))
        } else {
            (e.position().map_or(line, |p| p.line()), e.to_string())
        };
        IngestError::input(&self.path, Location::Line(line), None, message)
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
            self.next_record();
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(rows),
                Ok(true) => {
                    rows += 1;
                    let line = record.position().map_or(line, |p| p.line());
                    self.check_bom(line, &record)?;
                    let row = CsvRow {
                        line,
                        record: record.clone(),
                        path: &self.path,
                    };
                    each(&row)?;
                }
                Err(e) => return Err(self.read_error(line, &e)),
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
            let line = self.reader.position().line();
            self.next_record();
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(rows),
                Ok(true) => {
                    rows += 1;
                    let line = record.position().map_or(line, |p| p.line());
                    self.check_bom(line, &record)?;
                    each(line, &record)?;
                }
                Err(e) => return Err(self.read_error(line, &e)),
            }
        }
    }
}

/// A UTF-8 byte order mark read as Latin-1 (Windows-1252).
const LATIN1_BOM: &str = "\u{ef}\u{bb}\u{bf}";

fn too_long(what: &str) -> String {
    format!(
        "the {what} is longer than {} MiB (the limit of one record): a quote left open, \
         or not a CSV file?",
        RECORD_LIMIT >> 20
    )
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

/// Reads a whole GeoJSON FeatureCollection (boundary files are small; point sources are
/// streamed with [`for_each_feature`]).
pub fn read_feature_collection(path: &Path) -> Result<Vec<geojson::Feature>, IngestError> {
    let mut features = Vec::new();
    for_each_feature(path, |_, feature| {
        features.push(feature);
        Ok(())
    })?;
    Ok(features)
}

/// Streams the features of a GeoJSON FeatureCollection to `each`, one at a time, with
/// their 0-based index; returns how many there were. A UTF-8 byte order mark at the start
/// is skipped. The first error stops the reading: a feature longer than
/// [`FEATURE_LIMIT`], JSON that is malformed, cut short or nested too deep, a file that is
/// not a FeatureCollection, or an error of `each`.
pub fn for_each_feature(
    path: &Path,
    each: impl FnMut(usize, geojson::Feature) -> Result<(), IngestError>,
) -> Result<usize, IngestError> {
    let file = File::open(path)
        .map_err(|e| IngestError::input(path, Location::File, None, format!("cannot open: {e}")))?;
    let budget = Budget::new(file, FEATURE_LIMIT);
    let (since_reset, exceeded) = (budget.since_reset.clone(), budget.exceeded.clone());
    let mut reader = BufReader::with_capacity(1 << 16, budget);
    let start = reader
        .fill_buf()
        .map_err(|e| IngestError::input(path, Location::File, None, format!("cannot read: {e}")))?;
    if start.is_empty() {
        return Err(IngestError::input(
            path,
            Location::File,
            None,
            "the file is empty: expected a GeoJSON FeatureCollection",
        ));
    }
    if start.starts_with(b"\xef\xbb\xbf") {
        reader.consume(3);
    }
    let state = Stream {
        each: std::cell::RefCell::new(Box::new(each)),
        index: Cell::new(None),
        count: Cell::new(0),
        failed: std::cell::RefCell::new(None),
        since_reset,
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let result = serde::de::DeserializeSeed::deserialize(&state, &mut de).and_then(|()| de.end());
    if let Some(error) = state.failed.take() {
        return Err(error);
    }
    match result {
        Ok(()) => Ok(state.count.get()),
        Err(e) => {
            let location = match state.index.get() {
                Some(index) => Location::Feature { index, code: None },
                None => Location::File,
            };
            let message = if exceeded.get() {
                let what = if state.index.get().is_some() {
                    "the feature is"
                } else {
                    "the collection's members outside its features are"
                };
                format!(
                    "{what} larger than {} MiB (the limit of one feature, which keeps memory \
                     bounded)",
                    FEATURE_LIMIT >> 20
                )
            } else {
                let mut message = format!("malformed GeoJSON: {e}");
                if e.is_eof() {
                    message.push_str(": the file ends before the collection does (cut short?)");
                } else if e.is_syntax() {
                    if let Some(offset) = bom_after_start(path) {
                        message.push_str(&format!(
                            "; the file holds a byte order mark at byte {offset}: were two files joined?"
                        ));
                    }
                }
                message
            };
            Err(IngestError::input(path, location, None, message))
        }
    }
}

type EachFeature<'f> = Box<dyn FnMut(usize, geojson::Feature) -> Result<(), IngestError> + 'f>;

/// The state of one streamed collection, shared by the serde visitors below.
struct Stream<'f> {
    each: std::cell::RefCell<EachFeature<'f>>,
    /// The feature being read, once inside `features`.
    index: Cell<Option<usize>>,
    count: Cell<usize>,
    /// An error of `each`, which serde cannot carry.
    failed: std::cell::RefCell<Option<IngestError>>,
    since_reset: Rc<Cell<u64>>,
}

impl<'de> serde::de::DeserializeSeed<'de> for &Stream<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for &Stream<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a GeoJSON FeatureCollection (an object)")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        use serde::de::Error;
        let (mut kind, mut features) = (false, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => {
                    let value: serde_json::Value = map.next_value()?;
                    match value.as_str() {
                        Some("FeatureCollection") => kind = true,
                        Some(other) => {
                            return Err(A::Error::custom(format!(
                                "expected a GeoJSON FeatureCollection, found a {other}"
                            )))
                        }
                        None => {
                            return Err(A::Error::custom(
                                "`type` is not text: expected \"FeatureCollection\"",
                            ))
                        }
                    }
                }
                "features" if features => {
                    return Err(A::Error::custom("`features` is given twice"));
                }
                "features" => {
                    map.next_value_seed(Features(self))?;
                    self.index.set(None);
                    features = true;
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        if !kind {
            return Err(A::Error::custom(
                "no `type`: expected a GeoJSON FeatureCollection",
            ));
        }
        if !features {
            return Err(A::Error::custom("no `features` array"));
        }
        Ok(())
    }
}

/// The `features` array, read one feature at a time.
struct Features<'s, 'f>(&'s Stream<'f>);

impl<'de> serde::de::DeserializeSeed<'de> for Features<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Features<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of features")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        use serde::de::Error;
        let stream = self.0;
        loop {
            let index = stream.count.get();
            stream.index.set(Some(index));
            stream.since_reset.set(0);
            let Some(feature) = seq.next_element::<geojson::Feature>()? else {
                return Ok(());
            };
            stream.count.set(index + 1);
            if let Err(error) = (stream.each.borrow_mut())(index, feature) {
                *stream.failed.borrow_mut() = Some(error);
                return Err(A::Error::custom("stopped"));
            }
        }
    }
}

/// Where a UTF-8 byte order mark lies after the start of a file, if one does: read on an
/// error only, to explain it.
fn bom_after_start(path: &Path) -> Option<u64> {
    let mut reader = BufReader::new(File::open(path).ok()?);
    let (mut offset, mut window) = (0u64, [0u8; 3]);
    let mut byte = [0u8; 1];
    while reader.read(&mut byte).ok()? == 1 {
        window = [window[1], window[2], byte[0]];
        offset += 1;
        if offset > 3 && window == [0xef, 0xbb, 0xbf] {
            return Some(offset - 3);
        }
    }
    None
}

/// A feature's property as text, following a dotted path into nested objects
/// (`names.nl`) and arrays (`name.0.value`). Numbers are written without a fractional part when they have none.
pub fn property(feature: &geojson::Feature, path: &str) -> Option<String> {
    property_text(feature, path).ok().flatten()
}

/// Like [`property`], but a value that is neither text nor a number (an object, an array,
/// `true`) is an error saying what it is, rather than a missing value.
pub fn property_text(feature: &geojson::Feature, path: &str) -> Result<Option<String>, String> {
    let mut parts = path.split('.');
    let Some(mut value) = parts
        .next()
        .and_then(|first| feature.properties.as_ref()?.get(first))
    else {
        return Ok(None);
    };
    for part in parts {
        let next = match part.parse::<usize>() {
            Ok(index) if value.is_array() => value.get(index),
            _ => value.get(part),
        };
        let Some(next) = next else { return Ok(None) };
        value = next;
    }
    match value {
        serde_json::Value::String(s) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
        serde_json::Value::Number(n) => Ok(Some(match n.as_i64() {
            Some(i) => i.to_string(),
            None => n.to_string(),
        })),
        serde_json::Value::String(_) | serde_json::Value::Null => Ok(None),
        serde_json::Value::Bool(b) => Err(format!("expected text or a number, found {b}")),
        serde_json::Value::Array(_) => Err("expected text or a number, found an array".into()),
        serde_json::Value::Object(_) => Err("expected text or a number, found an object".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    const FORMATS: [CsvFormat; 4] = [
        CsvFormat {
            delimiter: ',',
            encoding: Encoding::Utf8,
        },
        CsvFormat {
            delimiter: ';',
            encoding: Encoding::Utf8,
        },
        CsvFormat {
            delimiter: ',',
            encoding: Encoding::Latin1,
        },
        CsvFormat {
            delimiter: ';',
            encoding: Encoding::Latin1,
        },
    ];

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
        file.write_all(bytes).expect("written");
        file
    }

    /// Every row of a CSV file, or the error's text.
    fn csv_rows(bytes: &[u8], format: CsvFormat) -> Result<Vec<Vec<String>>, String> {
        let file = file(bytes);
        let mut table = CsvTable::open(file.path(), format).map_err(|e| e.to_string())?;
        let mut rows = Vec::new();
        table
            .for_each_row(|row| {
                rows.push(row.record.iter().map(str::to_owned).collect());
                Ok(())
            })
            .map_err(|e| e.to_string())?;
        Ok(rows)
    }

    fn features(bytes: &[u8]) -> Result<usize, String> {
        let file = file(bytes);
        for_each_feature(file.path(), |_, _| Ok(())).map_err(|e| e.to_string())
    }

    /// The peak resident memory of this process, in bytes (Linux).
    fn peak_memory() -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }

    #[test]
    fn a_64_mib_line_is_refused_without_holding_it() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("long.csv");
        {
            let mut out = std::io::BufWriter::new(File::create(&path).expect("created"));
            out.write_all(b"id,name\n1,short\n2,").expect("written");
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..64 {
                out.write_all(&chunk).expect("written");
            }
            out.write_all(b"\n3,after\n").expect("written");
        }
        for format in FORMATS {
            let mut table = CsvTable::open(&path, format).expect("opened");
            let mut seen = 0;
            let error = table
                .for_each_raw(|_, _| {
                    seen += 1;
                    Ok(())
                })
                .expect_err("a 64 MiB line is refused")
                .to_string();
            assert_eq!(seen, 1, "the row before it was read");
            assert!(
                error.contains("long.csv, line 3") && error.contains("longer than 1 MiB"),
                "{error}"
            );
        }
        let grew = probe_memory("csv", &path);
        assert!(grew < 8 << 20, "reading it took {} MiB", grew >> 20);
        // A quote left open gathers every following line into one record: refused too.
        let mut open_quote = b"id,name\n1,\"open\n".to_vec();
        for _ in 0..40_000 {
            open_quote.extend_from_slice(b"2,some text of a line that follows\n");
        }
        let error = csv_rows(&open_quote, FORMATS[0]).expect_err("refused");
        assert!(
            error.contains("line 2") && error.contains("longer than"),
            "{error}"
        );
    }

    #[test]
    fn a_huge_feature_is_refused_without_holding_it() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("huge.geojson");
        {
            let mut out = std::io::BufWriter::new(File::create(&path).expect("created"));
            out.write_all(br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null},{"type":"Feature","properties":{"name":""#).expect("written");
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..64 {
                out.write_all(&chunk).expect("written");
            }
            out.write_all(br#""},"geometry":null}]}"#).expect("written");
        }
        let mut seen = 0;
        let error = for_each_feature(&path, |_, _| {
            seen += 1;
            Ok(())
        })
        .expect_err("refused")
        .to_string();
        assert_eq!(seen, 1);
        assert!(
            error.contains("huge.geojson, feature 1") && error.contains("larger than 16 MiB"),
            "{error}"
        );
        let grew = probe_memory("geojson", &path);
        assert!(grew < 48 << 20, "reading it took {} MiB", grew >> 20);
    }

    /// How much the peak memory of a process of its own grows while it reads `path` (the
    /// tests of this process run side by side, and any of them would raise its peak).
    fn probe_memory(kind: &str, path: &Path) -> u64 {
        let output = std::process::Command::new(std::env::current_exe().expect("this test"))
            .args([
                "--exact",
                "read::tests::memory_probe",
                "--ignored",
                "--nocapture",
            ])
            .env("PROBE_KIND", kind)
            .env("PROBE_FILE", path)
            .output()
            .expect("the probe runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("probe grew "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no figure from the probe: {stdout}"))
    }

    /// Run by `probe_memory` alone in its process: reads the file it is given.
    #[test]
    #[ignore = "run by the memory tests in a process of its own"]
    fn memory_probe() {
        let (Some(kind), Some(path)) = (
            std::env::var_os("PROBE_KIND"),
            std::env::var_os("PROBE_FILE"),
        ) else {
            return;
        };
        let path = PathBuf::from(path);
        let before = peak_memory().expect("Linux /proc");
        if kind == "csv" {
            for format in FORMATS {
                let mut table = CsvTable::open(&path, format).expect("opened");
                let _ = table.for_each_raw(|_, _| Ok(()));
            }
        } else {
            let _ = for_each_feature(&path, |_, _| Ok(()));
        }
        let after = peak_memory().expect("Linux /proc");
        println!("probe grew {}", after.saturating_sub(before));
    }

    #[test]
    fn boms_empty_files_and_headers() {
        for format in &FORMATS[..2] {
            let rows = csv_rows(
                "\u{feff}a,b\n1,2\n"
                    .replace(',', &format.delimiter.to_string())
                    .as_bytes(),
                *format,
            );
            assert_eq!(rows, Ok(vec![vec!["1".to_owned(), "2".to_owned()]]));
        }
        // Two files joined: the second one's BOM and header.
        let error = csv_rows(
            "\u{feff}a,b\n1,2\n\u{feff}a,b\n3,4\n".as_bytes(),
            FORMATS[0],
        )
        .expect_err("refused");
        assert!(
            error.contains("line 3, field `a`") && error.contains("byte order mark"),
            "{error}"
        );
        let error = csv_rows(b"a;b\n1;2\n\xef\xbb\xbfa;b\n", FORMATS[3]).expect_err("refused");
        assert!(
            error.contains("line 3, field `a`") && error.contains("byte order mark"),
            "{error}"
        );
        let error = csv_rows(b"\xef\xbb\xbfa;b\n1;2\n", FORMATS[3]).expect_err("refused");
        assert!(
            error.contains("line 1") && error.contains("not Latin-1"),
            "{error}"
        );
        let error = csv_rows(b"", FORMATS[0]).expect_err("refused");
        assert!(error.contains("the file is empty"), "{error}");
        let error = csv_rows(b"\n\n", FORMATS[0]).expect_err("refused");
        assert!(error.contains("header row is empty"), "{error}");
        assert_eq!(csv_rows(b"a,b\n", FORMATS[0]), Ok(vec![]));
        // Cut in the middle of a record: the short record names its line.
        let error = csv_rows(b"a,b\n1,2\n3", FORMATS[0]).expect_err("refused");
        assert!(
            error.contains("line 3") && error.contains("1 fields"),
            "{error}"
        );

        let collection = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}]}"#;
        assert_eq!(features(collection), Ok(1));
        assert_eq!(
            features(&[b"\xef\xbb\xbf".as_slice(), collection].concat()),
            Ok(1)
        );
        let error = features(&[collection.as_slice(), b"\xef\xbb\xbf", collection].concat())
            .expect_err("refused");
        assert!(
            error.contains("trailing characters") && error.contains("byte order mark at byte 92"),
            "{error}"
        );
        let error = features(b"").expect_err("refused");
        assert!(error.contains("the file is empty"), "{error}");
        assert_eq!(
            features(br#"{"type":"FeatureCollection","features":[]}"#),
            Ok(0)
        );
    }

    #[test]
    fn broken_geojson_names_the_feature() {
        let head = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null},"#;
        let cases = [
            (format!("{head}{{\"type\":\"Feat"), "feature 1", "cut short"),
            (format!("{head}{{\"type\":\"Feature\",\"properties\":{{}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[1e999,50]}}}}]}}"), "feature 1", "number out of range"),
            (format!("{head}{{\"type\":\"Feature\",\"properties\":{{}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[\"2.8\",50]}}}}]}}"), "feature 1", "Expected a floating-point value"),
            (format!("{head}{{\"type\":\"Feature\",\"properties\":{{}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":{}0{}}}}}]}}", "[".repeat(100_000), "]".repeat(100_000)), "feature 1", "recursion limit exceeded"),
            (format!("{head}42]}}"), "feature 1", "malformed GeoJSON"),
            (r#"{"type":"Feature","properties":{},"geometry":null}"#.to_owned(), "", "found a Feature"),
            (r#"{"type":"FeatureCollection"}"#.to_owned(), "", "no `features` array"),
            (r#"{"features":[]}"#.to_owned(), "", "no `type`"),
            (r#"[1,2]"#.to_owned(), "", "a GeoJSON FeatureCollection"),
        ];
        for (text, place, expected) in cases {
            let error = features(text.as_bytes()).expect_err("refused");
            assert!(
                error.contains(place) && error.contains(expected),
                "{expected}: {error}"
            );
            assert!(error.len() < 1200, "a short message: {} bytes", error.len());
        }
    }

    #[test]
    fn properties_of_the_wrong_type_say_so() {
        let feature: geojson::Feature = serde_json::from_str(
            r#"{"type":"Feature","geometry":null,"properties":{"code":{"nl":"x"},"n":[1],"b":true,"big":99999999999999999999,"s":" 33011 "}}"#,
        )
        .expect("a feature");
        assert_eq!(
            property_text(&feature, "code"),
            Err("expected text or a number, found an object".into())
        );
        assert!(property_text(&feature, "n").is_err() && property_text(&feature, "b").is_err());
        assert_eq!(property_text(&feature, "code.nl"), Ok(Some("x".into())));
        assert_eq!(property_text(&feature, "big"), Ok(Some("1e+20".into())));
        assert_eq!(property_text(&feature, "s"), Ok(Some("33011".into())));
        assert_eq!(property_text(&feature, "missing.deeper"), Ok(None));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_bytes_as_csv_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), which in 0usize..4) {
            let _ = csv_rows(&bytes, FORMATS[which]);
        }

        #[test]
        fn any_bytes_as_geojson_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = features(&bytes);
        }

        /// Text made of GeoJSON's own pieces reaches deeper than random bytes do.
        #[test]
        fn geojson_pieces_never_panic(pieces in proptest::collection::vec(prop::sample::select(vec![
            "{", "}", "[", "]", ",", ":", "\"type\"", "\"FeatureCollection\"", "\"Feature\"",
            "\"features\"", "\"geometry\"", "\"properties\"", "\"coordinates\"", "\"Point\"",
            "\"Polygon\"", "\"GeometryCollection\"", "\"geometries\"", "null", "1e400", "-0",
            "2.8", "50.8", "99999999999999999999", "\"\u{feff}\"", "\u{feff}", "true", " ",
        ]), 0..80)) {
            let _ = features(pieces.concat().as_bytes());
        }

        /// Rows cut anywhere, in any format: an error or rows, never a panic.
        #[test]
        fn csv_cut_anywhere_never_panics(cut in 0usize..200, which in 0usize..4) {
            let text = "code;year;population\n33011;2024;35000\n\"33021\";2024;\"1\n2\"\n99999999999999999999;1e400;NaN\n";
            let text = text.replace(';', &FORMATS[which].delimiter.to_string());
            let cut = cut.min(text.len());
            let _ = csv_rows(&text.as_bytes()[..cut], FORMATS[which]);
        }
    }
}
