//! The direct load: a large first load of a CSV file of longitude/latitude points writes
//! its services and their provenance straight into `service` and `service_provenance`
//! with binary COPY, while the file is read, instead of staging the records in a work
//! table, copying them into a second one and inserting them from there row by row. The
//! checks are the same as the staged load's (services/stage.rs reads and checks every
//! record, and locates it in Rust); the services another source already describes are
//! found once the rows are in, and merged into those. The counts the indicator refresh
//! starts from (migration 0022) are added once from the rows the COPYs wrote, with the
//! INSERT triggers, which would keep and group every written row again, set aside for them.
//!
//! It applies when, before anything is read, the file is known to be large against the
//! table (its lines at least as many as the services already there, so that the indexes
//! are set aside and rebuilt as for any large load), the source has nothing loaded yet,
//! every record is one service (a CSV of points with no snapshot dates) and the points
//! are longitude/latitude. A record id that comes twice breaks the last condition only
//! once the file is read: the load is then undone to a savepoint and made the staged way.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sqlx::PgConnection;

use super::binary::{RowWriter, HEADER, TRAILER};
use super::locate::{Locator, Place};
use super::stage::{self, Checked, Output, Staged};
use crate::manifest::{FileFormat, ServiceSpec, Source};
use crate::taxonomy::Taxonomy;
use crate::{IngestError, Location};

const CHUNK: usize = 1 << 20;
const EXAMPLES: usize = super::EXAMPLES;

/// Whether the source's records can be loaded directly, as far as its description says.
pub(super) fn applies_to(spec: &ServiceSpec, srid: i32) -> bool {
    spec.format == FileFormat::Csv && srid == 4326 && spec.snapshot_field.is_none()
}

/// At most how many records the file holds: one per line, the header included. Counting
/// the lines of a 31 MB file takes a few milliseconds.
pub(super) fn records_at_most(path: &Path) -> Result<u64, IngestError> {
    let cannot = |e: std::io::Error| {
        IngestError::input(path, Location::File, None, format!("cannot read: {e}"))
    };
    let mut file = File::open(path).map_err(cannot)?;
    let mut buf = vec![0u8; CHUNK];
    let mut lines: u64 = 1;
    loop {
        let n = file.read(&mut buf).map_err(cannot)?;
        if n == 0 {
            return Ok(lines);
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
    }
}

/// What a direct load did, for the summary.
pub(super) struct Loaded {
    pub staged: Staged,
    /// Services written (before merging).
    pub written: u64,
    /// Of them, those merged into a service another source describes.
    pub merged: u64,
    /// Points in no commune, kept because within 5 km of the study area.
    pub outside: u64,
    /// Records whose own commune code is not the commune they lie in: how many, and the
    /// first few as "location: code X, lies in Y".
    pub mismatches: u64,
    pub mismatch_examples: Vec<String>,
    /// The categories of the services written.
    pub categories: Vec<String>,
}

/// Loads the source directly; `None` when a record id came twice, after undoing the load
/// to the savepoint it started from (the caller loads the file the staged way).
/// `home`: the one country the source covers, given to points outside the communes.
pub(super) async fn load(
    tx: &mut PgConnection,
    source: &Source,
    spec: &ServiceSpec,
    taxonomy: &Arc<Taxonomy>,
    locator: Arc<Locator>,
    records_at_most: u64,
    home: Option<&str>,
) -> Result<Option<Loaded>, IngestError> {
    let db = IngestError::database;
    sqlx::query("SAVEPOINT direct_load")
        .execute(&mut *tx)
        .await
        .map_err(db("starting the load"))?;
    // Nothing is deleted by a first load: the keys pointing at services stay.
    super::detach(tx, false).await?;
    sqlx::query(include_str!("sql/hold_service_ids.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("reserving service ids"))?;
    let reserved = i64::try_from(records_at_most).unwrap_or(i64::MAX);
    let first_id: i64 = sqlx::query_scalar(include_str!("sql/reserve_service_ids.sql"))
        .bind(reserved)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("reserving service ids"))?;
    let last_id = first_id.saturating_add(reserved - 1);

    // The counts of migration 0022 are added once, grouped, from the rows the two COPYs
    // wrote, rather than by their INSERT triggers (count_triggers_off.sql).
    sqlx::raw_sql(include_str!("sql/count_triggers_off.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("setting the counting triggers aside"))?;

    let output = Direct::new(&source.path, &source.id, home, first_id, last_id)?;
    let (staged, output) = stage::copy_with(
        tx,
        include_str!("sql/copy_services.sql"),
        source,
        spec,
        taxonomy,
        Some(locator),
        true,
        output,
    )
    .await?;
    if !staged.unique {
        sqlx::query("ROLLBACK TO SAVEPOINT direct_load")
            .execute(&mut *tx)
            .await
            .map_err(db("undoing the direct load"))?;
        return Ok(None);
    }
    let Direct {
        provenance,
        written,
        margin,
        mismatches,
        mismatch_examples,
        categories,
        ..
    } = output;
    copy_provenance(tx, provenance).await?;

    // The table's statistics still describe it before the load: planned from them, the
    // duplicate search below took this load's services for a few hundred and the others
    // for nearly all, and sorted both sides to merge them (1.4 s instead of 0.2 s).
    sqlx::query("ANALYZE service (id, category)")
        .execute(&mut *tx)
        .await
        .map_err(db("analyzing the loaded services"))?;
    sqlx::query(include_str!("sql/count_direct_services.sql"))
        .bind(first_id)
        .bind(last_id)
        .execute(&mut *tx)
        .await
        .map_err(db("counting the loaded services"))?;
    sqlx::query(include_str!("sql/count_direct_provenance.sql"))
        .bind(first_id)
        .bind(last_id)
        .execute(&mut *tx)
        .await
        .map_err(db("counting the loaded services' sightings"))?;
    // Before the merge, whose UPDATE and DELETE the triggers count.
    sqlx::raw_sql(include_str!("sql/count_triggers_on.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("restoring the counting triggers"))?;
    super::without_merge_joins(tx, true).await?;
    sqlx::query(include_str!("sql/find_duplicates_direct.sql"))
        .bind(first_id)
        .bind(last_id)
        .execute(&mut *tx)
        .await
        .map_err(db("finding services other sources describe"))?;
    super::without_merge_joins(tx, false).await?;
    super::merge::keep_one_to_one(tx).await?;
    let merged: i64 = sqlx::query_scalar(include_str!("sql/merge_direct.sql"))
        .bind(&source.id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("merging duplicate services"))?;
    sqlx::query("SELECT service_load_attach()")
        .execute(&mut *tx)
        .await
        .map_err(db(
            "rebuilding indexes and checking keys after a large load",
        ))?;
    sqlx::query("RELEASE SAVEPOINT direct_load")
        .execute(&mut *tx)
        .await
        .map_err(db("finishing the load"))?;
    Ok(Some(Loaded {
        staged,
        written,
        merged: merged.max(0) as u64,
        outside: margin,
        mismatches,
        mismatch_examples,
        categories: categories.into_iter().collect(),
    }))
}

/// Streams the provenance rows the reader set aside into `service_provenance`.
async fn copy_provenance(tx: &mut PgConnection, rows: BufWriter<File>) -> Result<(), IngestError> {
    let work = |doing| move |error| IngestError::WorkFile { doing, error };
    let mut file = rows.into_inner().map_err(|e| IngestError::WorkFile {
        doing: "write the services' provenance",
        error: e.into_error(),
    })?;
    file.rewind()
        .map_err(work("read back the services' provenance"))?;
    let mut copy = tx
        .copy_in_raw(include_str!("sql/copy_provenance.sql"))
        .await
        .map_err(IngestError::database("starting COPY"))?;
    loop {
        let mut chunk = vec![0u8; CHUNK];
        let n = match file.read(&mut chunk) {
            Ok(n) => n,
            Err(e) => {
                let _ = copy.abort("work file unreadable").await;
                return Err(IngestError::WorkFile {
                    doing: "read back the services' provenance",
                    error: e,
                });
            }
        };
        if n == 0 {
            break;
        }
        chunk.truncate(n);
        if let Err(e) = copy.send(chunk).await {
            let _ = copy.abort("send failed").await;
            return Err(IngestError::Database {
                doing: "recording where the services come from",
                error: e,
            });
        }
    }
    copy.finish().await.map_err(IngestError::database(
        "recording where the services come from",
    ))?;
    Ok(())
}

/// The direct load's output: each accepted record as a row of `service` (sent to COPY)
/// and one of `service_provenance` (kept in a temporary file until the services are in).
struct Direct {
    path: PathBuf,
    services: Vec<u8>,
    provenance: BufWriter<File>,
    source_id: String,
    home: Option<String>,
    next_id: i64,
    last_id: i64,
    written: u64,
    margin: u64,
    mismatches: u64,
    mismatch_examples: Vec<String>,
    categories: BTreeSet<String>,
}

/// Fields of a `service` row and of a `service_provenance` row (copy_*.sql).
const SERVICE_FIELDS: i16 = 11;
const PROVENANCE_FIELDS: i16 = 8;

impl Direct {
    fn new(
        path: &Path,
        source_id: &str,
        home: Option<&str>,
        first_id: i64,
        last_id: i64,
    ) -> Result<Direct, IngestError> {
        let work = |error| IngestError::WorkFile {
            doing: "set the services' provenance aside",
            error,
        };
        let mut provenance = BufWriter::with_capacity(CHUNK, tempfile::tempfile().map_err(work)?);
        provenance.write_all(HEADER).map_err(work)?;
        let mut services = Vec::with_capacity(CHUNK + 4096);
        services.extend_from_slice(HEADER);
        Ok(Direct {
            path: path.to_path_buf(),
            services,
            provenance,
            source_id: source_id.to_owned(),
            home: home.map(str::to_owned),
            next_id: first_id,
            last_id,
            written: 0,
            margin: 0,
            mismatches: 0,
            mismatch_examples: Vec::new(),
            categories: BTreeSet::new(),
        })
    }
}

/// Empty text is no value, as in the staged load's CSV, where it reads as NULL.
fn value(text: &Option<String>) -> Option<&str> {
    text.as_deref().filter(|t| !t.is_empty())
}

impl Output for Direct {
    fn write(
        &mut self,
        ord: u64,
        location: &Location,
        row: &Checked,
        place: Option<&Place<'_>>,
    ) -> Result<(), IngestError> {
        let id = self.next_id;
        if id > self.last_id {
            return Err(IngestError::input(
                &self.path,
                location.clone(),
                None,
                "more records than lines in the file",
            ));
        }
        self.next_id += 1;
        self.written += 1;
        let (country, code) = match place {
            Some(Place::In(commune)) => {
                (Some(commune.country.as_str()), Some(commune.code.as_str()))
            }
            _ => {
                self.margin += 1;
                (self.home.as_deref(), None)
            }
        };
        if let (Some(given), Some(found)) = (value(&row.source_commune), code) {
            if given != found {
                self.mismatches += 1;
                if self.mismatch_examples.len() < EXAMPLES {
                    self.mismatch_examples.push(format!(
                        "{}: code {given}, lies in {found}",
                        stage::location_text(location)
                    ));
                }
            }
        }
        if !self.categories.contains(&row.category) {
            self.categories.insert(row.category.clone());
        }
        RowWriter::start(&mut self.services, SERVICE_FIELDS)
            .int8(id)
            .text(&row.category)
            .text_or_null(value(&row.name))
            .text_or_null(value(&row.address))
            .text_or_null(country)
            .text_or_null(code)
            .point(4326, row.x, row.y)
            .date(row.seen_on)
            .date(row.seen_on)
            .bool(false)
            .text_array_of_one(&self.source_id);

        let mut line = Vec::with_capacity(256);
        let entity_key = match value(&row.record_id) {
            Some(record_id) => record_id.to_owned(),
            None => format!("record-{ord}"),
        };
        RowWriter::start(&mut line, PROVENANCE_FIELDS)
            .int8(id)
            .text(&self.source_id)
            .text(&entity_key)
            .text(&row.raw_category)
            .text_or_null(value(&row.source_commune))
            .text_or_null(value(&row.status))
            .date_array_of_one(row.seen_on)
            .jsonb(value(&row.attributes).unwrap_or("{}"));
        self.provenance
            .write_all(&line)
            .map_err(|error| IngestError::WorkFile {
                doing: "set the services' provenance aside",
                error,
            })
    }

    fn full_chunk(&mut self) -> Result<Option<Vec<u8>>, IngestError> {
        if self.services.len() >= CHUNK {
            Ok(Some(std::mem::replace(
                &mut self.services,
                Vec::with_capacity(CHUNK + 4096),
            )))
        } else {
            Ok(None)
        }
    }

    fn rest(&mut self) -> Result<Vec<u8>, IngestError> {
        self.services.extend_from_slice(TRAILER);
        self.provenance
            .write_all(TRAILER)
            .map_err(|error| IngestError::WorkFile {
                doing: "set the services' provenance aside",
                error,
            })?;
        Ok(std::mem::take(&mut self.services))
    }
}
