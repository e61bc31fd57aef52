//! Reads a services file on a blocking thread, maps and checks each record, and streams
//! the accepted ones to PostgreSQL's COPY as CSV, 1 MiB at a time: memory stays flat
//! whatever the file's size, and parsing and loading run on two cores at once.

use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use sqlx::PgConnection;

use super::locate::{Locator, Place};
use super::record::{Fields, RecordReader};
use crate::manifest::{CategoryRule, PositionRule, ServiceSpec, Source};
use crate::taxonomy::{Mapping, Taxonomy};
use crate::{IngestError, Location};

const CHUNK: usize = 1 << 20;
/// Projected coordinates (metres, or feet) beyond this are no place on Earth: PROJ would
/// still turn them into some longitude and latitude.
const PROJECTED_LIMIT: f64 = 1e8;
/// Chunks in flight between the reader and the database.
const DEPTH: usize = 4;

#[derive(Debug, Default)]
pub struct Staged {
    pub read: u64,
    pub ignored: u64,
    pub unknown: BTreeMap<String, u64>,
    /// "location: reason" for every rejected record (only the first few are kept in full).
    pub rejected: Vec<String>,
    /// Records more than 5 km from the study area, found by the reader.
    pub far: u64,
    /// The locations of the first few of them.
    pub far_examples: Vec<String>,
    /// No record id came twice within a category (by a 64-bit hash: a collision only
    /// sends the load through the general grouping), so each record is one service.
    pub unique: bool,
}

pub async fn copy_records(
    tx: &mut PgConnection,
    source: &Source,
    spec: &ServiceSpec,
    taxonomy: &Arc<Taxonomy>,
    locator: Option<Arc<Locator>>,
) -> Result<Staged, IngestError> {
    let (staged, _) = copy_with(
        tx,
        include_str!("sql/copy_staging.sql"),
        source,
        spec,
        taxonomy,
        locator,
        false,
        StagingCsv::new(&source.path),
    )
    .await?;
    Ok(staged)
}

/// Streams the accepted records of the file into the COPY statement `copy_sql`, written
/// by `output`; returns what was read and the output once the file ended. With
/// `stop_at_repeat`, records are no longer written once a record id comes again (the
/// caller then loads the file another way).
#[allow(clippy::too_many_arguments)]
pub(super) async fn copy_with<O: Output + Send + 'static>(
    tx: &mut PgConnection,
    copy_sql: &str,
    source: &Source,
    spec: &ServiceSpec,
    taxonomy: &Arc<Taxonomy>,
    locator: Option<Arc<Locator>>,
    stop_at_repeat: bool,
    output: O,
) -> Result<(Staged, O), IngestError> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<u8>>(DEPTH);
    let path = source.path.clone();
    let spec_for_reader = spec.clone();
    let taxonomy = Arc::clone(taxonomy);
    let reader = tokio::task::spawn_blocking(move || {
        read_all(
            &path,
            &spec_for_reader,
            &taxonomy,
            locator.as_deref(),
            stop_at_repeat,
            output,
            &sender,
        )
    });

    let mut copy = tx
        .copy_in_raw(copy_sql)
        .await
        .map_err(IngestError::database("starting COPY"))?;
    let mut send_error = None;
    while let Some(chunk) = receiver.recv().await {
        if let Err(e) = copy.send(chunk).await {
            send_error = Some(e);
            break;
        }
    }
    drop(receiver);
    let read = match reader.await {
        Ok(result) => result,
        Err(e) => Err(IngestError::input(
            &source.path,
            Location::File,
            None,
            format!("the reader stopped: {e}"),
        )),
    };
    match (read, send_error) {
        (Ok(read), None) => {
            copy.finish()
                .await
                .map_err(IngestError::database("loading records with COPY"))?;
            Ok(read)
        }
        (Err(e), _) => {
            let _ = copy.abort("bad input").await;
            Err(e)
        }
        (Ok(_), Some(e)) => {
            let _ = copy.abort("send failed").await;
            Err(IngestError::Database {
                doing: "loading records with COPY",
                error: e,
            })
        }
    }
}

/// Where the accepted records of a file go, as the bytes of a COPY stream.
pub(super) trait Output {
    /// One accepted record: `place` is where the reader found it, for longitude/latitude
    /// points (never [`Place::Far`]: those are rejected).
    fn write(
        &mut self,
        ord: u64,
        location: &Location,
        row: &Checked,
        place: Option<&Place<'_>>,
    ) -> Result<(), IngestError>;
    /// The bytes written so far, once they fill a chunk.
    fn full_chunk(&mut self) -> Result<Option<Vec<u8>>, IngestError>;
    /// The rest of the bytes, at the end of the file.
    fn rest(&mut self) -> Result<Vec<u8>, IngestError>;
}

/// The staging table's rows, as CSV (copy_staging.sql).
pub(super) struct StagingCsv {
    writer: csv::Writer<Vec<u8>>,
    path: PathBuf,
}

impl StagingCsv {
    fn new(path: &Path) -> StagingCsv {
        StagingCsv {
            writer: StagingCsv::writer(),
            path: path.to_path_buf(),
        }
    }

    fn writer() -> csv::Writer<Vec<u8>> {
        csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::with_capacity(CHUNK + 65536))
    }

    fn take(&mut self) -> Result<Vec<u8>, IngestError> {
        std::mem::replace(&mut self.writer, StagingCsv::writer())
            .into_inner()
            .map_err(|e| IngestError::input(&self.path, Location::File, None, e.to_string()))
    }
}

impl Output for StagingCsv {
    fn write(
        &mut self,
        ord: u64,
        location: &Location,
        row: &Checked,
        place: Option<&Place<'_>>,
    ) -> Result<(), IngestError> {
        let ord_text = ord.to_string();
        let location_text = location_text(location);
        let (x, y) = (row.x.to_string(), row.y.to_string());
        let seen_on = row.seen_on.to_string();
        let text = |v: &Option<String>| v.as_deref().unwrap_or("").to_owned();
        let mut record: Vec<String> = Vec::with_capacity(16);
        record.extend([ord_text, location_text]);
        record.extend([
            text(&row.record_id),
            row.category.clone(),
            row.raw_category.clone(),
            text(&row.name),
            text(&row.address),
            text(&row.source_commune),
            x,
            y,
            seen_on,
            text(&row.status),
            text(&row.attributes),
        ]);
        match place {
            Some(Place::In(commune)) => {
                record.extend(["t".into(), commune.country.clone(), commune.code.clone()]);
            }
            Some(Place::Margin) => record.extend(["t".into(), String::new(), String::new()]),
            Some(Place::Far) | None => record.extend(["f".into(), String::new(), String::new()]),
        }
        self.writer
            .write_record(&record)
            .map_err(|e| IngestError::input(&self.path, location.clone(), None, e.to_string()))
    }

    fn full_chunk(&mut self) -> Result<Option<Vec<u8>>, IngestError> {
        if self.writer.get_ref().len() >= CHUNK {
            self.take().map(Some)
        } else {
            Ok(None)
        }
    }

    fn rest(&mut self) -> Result<Vec<u8>, IngestError> {
        self.take()
    }
}

/// The whole file, on a blocking thread.
fn read_all<O: Output>(
    path: &std::path::Path,
    spec: &ServiceSpec,
    taxonomy: &Taxonomy,
    locator: Option<&Locator>,
    stop_at_repeat: bool,
    mut output: O,
    sender: &tokio::sync::mpsc::Sender<Vec<u8>>,
) -> Result<(Staged, O), IngestError> {
    let mut staged = Staged {
        unique: true,
        ..Staged::default()
    };
    let hasher = RandomState::new();
    let mut keys: HashSet<u64> = HashSet::new();
    let today = chrono::Utc::now().date_naive();
    let reader = RecordReader::open(path, spec)?;
    let mut ord: u64 = 0;
    reader.for_each(|location, fields| {
        ord += 1;
        staged.read += 1;
        match check_record(fields, spec, taxonomy, today) {
            Outcome::Row(row) => {
                let place = locator.map(|l| l.place(row.x, row.y));
                if place == Some(Place::Far) {
                    staged.far += 1;
                    if staged.far_examples.len() < super::EXAMPLES {
                        staged.far_examples.push(location_text(&location));
                    }
                    return Ok(());
                }
                if staged.unique {
                    // the entity key group_entities.sql would give, with the category
                    let key = match &row.record_id {
                        Some(id) => hasher.hash_one((id, &row.category)),
                        None => hasher.hash_one((format!("record-{ord}"), &row.category)),
                    };
                    staged.unique = keys.insert(key);
                }
                if stop_at_repeat && !staged.unique {
                    return Ok(());
                }
                output.write(ord, &location, &row, place.as_ref())?;
            }
            Outcome::Ignored => staged.ignored += 1,
            Outcome::Unknown(value) => *staged.unknown.entry(value).or_default() += 1,
            Outcome::Rejected(reason) => staged
                .rejected
                .push(format!("{}: {reason}", location_text(&location))),
        }
        if let Some(chunk) = output.full_chunk()? {
            flush(sender, chunk, path)?;
        }
        Ok(())
    })?;
    let rest = output.rest()?;
    if !rest.is_empty() {
        flush(sender, rest, path)?;
    }
    Ok((staged, output))
}

fn flush(
    sender: &tokio::sync::mpsc::Sender<Vec<u8>>,
    chunk: Vec<u8>,
    path: &std::path::Path,
) -> Result<(), IngestError> {
    sender.blocking_send(chunk).map_err(|_| {
        IngestError::input(
            path,
            Location::File,
            None,
            "the database stopped receiving records",
        )
    })
}

pub(super) fn location_text(location: &Location) -> String {
    match location {
        Location::File => "file".into(),
        Location::Line(line) => format!("line {line}"),
        Location::Feature { index, .. } => format!("feature {index}"),
    }
}

/// A record mapped through the taxonomy and checked: what the load writes of it.
pub(super) struct Checked {
    pub record_id: Option<String>,
    pub category: String,
    /// The source's own value for the category (the category itself when fixed).
    pub raw_category: String,
    pub name: Option<String>,
    pub address: Option<String>,
    pub source_commune: Option<String>,
    /// In the source's reference system.
    pub x: f64,
    pub y: f64,
    pub seen_on: NaiveDate,
    pub status: Option<String>,
    /// A JSON object of the attribute fields kept, if the source names any.
    pub attributes: Option<String>,
}

// One outcome per record on the hot path: boxing the row would allocate for each.
#[allow(clippy::large_enum_variant)]
enum Outcome {
    Row(Checked),
    Ignored,
    Unknown(String),
    Rejected(String),
}

fn check_record(
    fields: &Fields<'_>,
    spec: &ServiceSpec,
    taxonomy: &Taxonomy,
    today: NaiveDate,
) -> Outcome {
    let (category, raw_category) = match &spec.category {
        CategoryRule::Fixed(category) => {
            (category.as_str().to_owned(), category.as_str().to_owned())
        }
        CategoryRule::Field { field, vocabulary } => {
            let raw = fields.get(field).unwrap_or_default();
            let mapping = if vocabulary == "osm" {
                let tags: Vec<&str> = raw.split(';').map(str::trim).collect();
                taxonomy.map_osm(&tags)
            } else {
                taxonomy.map(vocabulary, &raw)
            };
            match mapping {
                Mapping::Category(category) => (category.as_str().to_owned(), raw),
                Mapping::Ignored => return Outcome::Ignored,
                Mapping::Unknown => {
                    return Outcome::Unknown(if raw.is_empty() {
                        "(empty)".into()
                    } else {
                        raw
                    })
                }
            }
        }
    };
    let (x, y) = match &spec.position {
        PositionRule::Geometry => match fields.point() {
            Ok(xy) => xy,
            Err(reason) => return Outcome::Rejected(reason),
        },
        PositionRule::Fields { x, y, .. } => match (number(fields.get(x)), number(fields.get(y))) {
            (Some(x), Some(y)) => (x, y),
            _ => {
                return Outcome::Rejected(format!(
                    "no usable coordinates in `{x}`/`{y}` ({:?}, {:?})",
                    fields.get(x).unwrap_or_default(),
                    fields.get(y).unwrap_or_default()
                ))
            }
        },
    };
    let geographic = matches!(spec.position, PositionRule::Geometry)
        || matches!(spec.position, PositionRule::Fields { srid: 4326, .. });
    let fields_named = match &spec.position {
        PositionRule::Geometry => "`geometry`".to_owned(),
        PositionRule::Fields { x, y, .. } => format!("`{x}`/`{y}`"),
    };
    if !x.is_finite() || !y.is_finite() {
        return Outcome::Rejected(format!(
            "{fields_named}: coordinates ({x}, {y}) are not finite numbers"
        ));
    }
    if geographic && (!(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y)) {
        return Outcome::Rejected(format!(
            "{fields_named}: coordinates ({x}, {y}) are out of range"
        ));
    }
    if !geographic && (x.abs() > PROJECTED_LIMIT || y.abs() > PROJECTED_LIMIT) {
        return Outcome::Rejected(format!(
            "{fields_named}: coordinates ({x}, {y}) lie outside any projected reference \
             system (more than 100,000 km from its origin)"
        ));
    }
    let seen_on = match (&spec.snapshot_field, spec.observed_on) {
        (Some(field), _) => match fields.get(field).as_deref().map(parse_date) {
            Some(Some(date)) => date,
            other => return Outcome::Rejected(format!("`{field}` holds no date ({other:?})")),
        },
        (None, Some(date)) => date,
        (None, None) => return Outcome::Rejected("no date".into()),
    };
    if seen_on > today || chrono::Datelike::year(&seen_on) < 1800 {
        return Outcome::Rejected(format!("impossible date {seen_on}"));
    }
    let address: Vec<String> = spec
        .address_fields
        .iter()
        .filter_map(|f| fields.get(f))
        .collect();
    let attributes = if spec.attribute_fields.is_empty() {
        None
    } else {
        let map: serde_json::Map<String, serde_json::Value> = spec
            .attribute_fields
            .iter()
            .filter_map(|f| {
                fields
                    .get(f)
                    .map(|v| (f.clone(), serde_json::Value::String(v)))
            })
            .collect();
        Some(serde_json::Value::Object(map).to_string())
    };
    let source_commune = spec
        .commune_code_field
        .as_ref()
        .and_then(|f| fields.get(f))
        .map(|c| c.strip_suffix(".0").map(str::to_owned).unwrap_or(c));
    Outcome::Row(Checked {
        record_id: spec.id_field.as_ref().and_then(|f| fields.get(f)),
        category,
        raw_category,
        name: spec.name_field.as_ref().and_then(|f| fields.get(f)),
        address: (!address.is_empty()).then(|| address.join(", ")),
        source_commune,
        x,
        y,
        seen_on,
        status: spec.status_field.as_ref().and_then(|f| fields.get(f)),
        attributes,
    })
}

/// A decimal number, with a point or (as French and Belgian spreadsheets write) a comma.
fn number(text: Option<String>) -> Option<f64> {
    let text = text?;
    text.parse()
        .ok()
        .or_else(|| text.replace(',', ".").parse().ok())
}

/// `2022-03-08`, `2022-03-26T17:57:33+01:00` (the date as written) or `08/03/2022`.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let head = text.get(..10).unwrap_or(text);
    NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(head, "%d/%m/%Y"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_as_real_files_write_them() {
        assert_eq!(number(Some("50,85".into())), Some(50.85));
        assert_eq!(number(Some("3.2".into())), Some(3.2));
        assert_eq!(number(Some("x".into())), None);
        assert_eq!(
            parse_date("2022-03-26T17:57:33+01:00"),
            NaiveDate::from_ymd_opt(2022, 3, 26)
        );
        assert_eq!(
            parse_date("08/03/2022"),
            NaiveDate::from_ymd_opt(2022, 3, 8)
        );
        assert_eq!(parse_date("2022-13-40"), None);
    }
}
