//! Service points: streamed from the file, mapped through the taxonomy and checked in
//! Rust, sent to PostgreSQL with COPY, then located, grouped, deduplicated and dated in SQL.

mod binary;
mod counts;
mod direct;
mod locate;
mod measures;
mod merge;
mod record;
mod stage;

use std::sync::Arc;

use sqlx::PgConnection;

use crate::manifest::{Source, SourceSpec};
use crate::summary::{SourceSummary, Summary};
use crate::taxonomy::Taxonomy;
use crate::IngestError;
use observatory_core::ServiceCategory;

pub use counts::load_counts;
pub use measures::load_measures;

/// Examples of rejected records kept in the summary, per source.
const EXAMPLES: usize = 5;

/// A load (or the replacement of a source) of at least this many services, and at least
/// half as many as the services already there, builds the indexes of `service` and
/// `service_provenance` again and checks the foreign keys around them once, rather than
/// row by row (see migrations/0005_service_bulk_load.sql and 0014_bulk_replace.sql).
const BULK_MIN: u64 = 20_000;

fn is_bulk(new: u64, existing: u64) -> bool {
    new >= BULK_MIN && new.saturating_mul(2) >= existing
}

async fn count_services(tx: &mut PgConnection) -> Result<u64, IngestError> {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM service")
        .fetch_one(&mut *tx)
        .await
        .map_err(IngestError::database("counting services"))?;
    Ok(count.max(0) as u64)
}

/// Sets aside the indexes and foreign keys of a large load (migrations 0005 and 0014);
/// `service_load_attach()` restores them, checking every key once. `referencing`: the
/// keys of other tables that point at `service` too, which only deleting services needs
/// (migration 0020).
async fn detach(tx: &mut PgConnection, referencing: bool) -> Result<(), IngestError> {
    sqlx::query("SELECT service_load_detach($1)")
        .bind(referencing)
        .execute(&mut *tx)
        .await
        .map_err(IngestError::database(
            "setting indexes aside for a large load",
        ))?;
    Ok(())
}

/// Turns merge joins off (`off` true) for the hash-join search of duplicates, or back on.
/// Joined on a few computed keys (category and grid cell), the search was planned as a
/// merge join that sorted every new service (0.69 s for 267,452 of them), where hashing
/// the services already there and probing them took 0.28 s: the planner has no
/// statistics on the computed cells to cost either way.
async fn without_merge_joins(tx: &mut PgConnection, off: bool) -> Result<(), IngestError> {
    let statement = if off {
        "SET LOCAL enable_mergejoin = off"
    } else {
        "RESET enable_mergejoin"
    };
    sqlx::query(statement)
        .execute(&mut *tx)
        .await
        .map_err(IngestError::database("planning the search for duplicates"))?;
    Ok(())
}

/// Replaces the countries a source covers completely (see `source_coverage`).
pub(crate) async fn record_coverage(
    tx: &mut PgConnection,
    source_id: &str,
    coverage: &[observatory_core::Country],
) -> Result<(), IngestError> {
    let db = IngestError::database;
    sqlx::query("DELETE FROM source_coverage WHERE source_id = $1")
        .bind(source_id)
        .execute(&mut *tx)
        .await
        .map_err(db("recording coverage"))?;
    let countries: Vec<&str> = coverage.iter().map(|c| c.iso2()).collect();
    sqlx::query("INSERT INTO source_coverage (source_id, country) SELECT $1, unnest($2::text[])")
        .bind(source_id)
        .bind(&countries)
        .execute(&mut *tx)
        .await
        .map_err(db("recording coverage"))?;
    Ok(())
}

/// Where points fall (communes and the study area's margin), read from the database by
/// the first source of an ingest that needs it and kept for the others: the communes do
/// not change while services load (reading them took about 0.1 s per source).
#[derive(Default)]
pub struct Places(Option<Arc<locate::Locator>>);

impl Places {
    async fn locator(
        &mut self,
        tx: &mut PgConnection,
    ) -> Result<Arc<locate::Locator>, IngestError> {
        if let Some(locator) = &self.0 {
            return Ok(Arc::clone(locator));
        }
        let locator = Arc::new(locate::Locator::load(tx).await?);
        self.0 = Some(Arc::clone(&locator));
        Ok(locator)
    }
}

const CATEGORIES_READ: &str = "reading the categories of the loaded services";

/// Loads one services source inside the ingest's transaction; returns the categories of
/// the services it now describes.
pub async fn load_source(
    tx: &mut PgConnection,
    source: &Source,
    taxonomy: &Arc<Taxonomy>,
    places: &mut Places,
    summary: &mut Summary,
) -> Result<Vec<ServiceCategory>, IngestError> {
    let SourceSpec::Services(spec) = &source.spec else {
        return Ok(Vec::new());
    };
    let db = IngestError::database;
    let srid = match &spec.position {
        crate::manifest::PositionRule::Fields { srid, .. } => *srid,
        crate::manifest::PositionRule::Geometry => 4326,
    };
    let known: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM spatial_ref_sys WHERE srid = $1)")
            .bind(srid)
            .fetch_one(&mut *tx)
            .await
            .map_err(db("checking the coordinate reference system"))?;
    if !known {
        return Err(IngestError::input(
            &source.path,
            crate::Location::File,
            Some("srid"),
            format!("EPSG:{srid} is not a coordinate reference system PostGIS knows"),
        ));
    }

    // The work tables have no statistics, so the planner's costs are guesses that would
    // have statements compiled with JIT for longer than they run. Their sorts and hashes
    // (a few hundred thousand rows) are done in memory: with the default 4 MB the
    // duplicate search sorted both sides on disk to merge them.
    sqlx::query("SET LOCAL jit = off")
        .execute(&mut *tx)
        .await
        .map_err(db("setting up the load"))?;
    sqlx::query("SET LOCAL work_mem = '64MB'")
        .execute(&mut *tx)
        .await
        .map_err(db("setting up the load"))?;
    // Replacing a large part of the table: its indexes and keys are set aside first, so
    // that its services are deleted as one set rather than cascade by cascade.
    let replaced: i64 = sqlx::query_scalar(include_str!("sql/source_records.sql"))
        .bind(&source.id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("counting the records the load replaces"))?;
    let mut detached = false;
    if replaced > 0 && is_bulk(replaced as u64, count_services(tx).await?) {
        detach(tx, true).await?;
        detached = true;
        // The replacement is planned from the table's statistics. Taken before this
        // source's last load (autovacuum had not caught up yet), they said it had next to
        // no records: its 267,452 services were then matched against each other pair by
        // pair, and one replacement ran for more than nine minutes instead of ten seconds.
        sqlx::query("ANALYZE service_provenance")
            .execute(&mut *tx)
            .await
            .map_err(db("analyzing the records the load replaces"))?;
    }
    sqlx::query(include_str!("sql/forget_source.sql"))
        .bind(&source.id)
        .execute(&mut *tx)
        .await
        .map_err(db("replacing the previous load"))?;
    let home = match spec.coverage.as_slice() {
        [country] => Some(country.iso2()),
        _ => None,
    };

    // A large first load of longitude/latitude points goes straight into the tables.
    if replaced == 0 && direct::applies_to(spec, srid) {
        let records = direct::records_at_most(&source.path)?;
        if records >= BULK_MIN && records >= count_services(tx).await? {
            let locator = places.locator(tx).await?;
            let loaded = direct::load(tx, source, spec, taxonomy, locator, records, home).await?;
            if let Some(loaded) = loaded {
                let stats = summary.source(&source.id);
                count_read(stats, &loaded.staged, &[]);
                note_mismatches(stats, loaded.mismatches, &loaded.mismatch_examples);
                note_outside(stats, loaded.outside);
                stats.loaded += loaded.written.saturating_sub(loaded.merged);
                stats.merged += loaded.merged;
                return finish_source(tx, source, spec, loaded.categories).await;
            }
            // A record id came twice: the file is loaded the staged way below.
        }
    }

    sqlx::query(include_str!("sql/create_staging.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("creating the staging table"))?;
    sqlx::query("TRUNCATE service_staging")
        .execute(&mut *tx)
        .await
        .map_err(db("clearing the staging table"))?;

    // Longitude/latitude points are located while the file streams; others after COPY.
    let locator = if srid == 4326 {
        Some(places.locator(tx).await?)
    } else {
        None
    };
    let staged = stage::copy_records(tx, source, spec, taxonomy, locator).await?;
    // How many records the statements below read: the planner's guess from the table's
    // size alone was 112,421 for 267,452, and it chose sorts and merges over hashes. (One
    // column is enough for the count, and costs a fraction of all sixteen.)
    sqlx::query("ANALYZE service_staging (category)")
        .execute(&mut *tx)
        .await
        .map_err(db("analyzing the staged records"))?;
    let cluster = spec.id_field.is_none() && spec.snapshot_field.is_some();
    sqlx::query(include_str!("sql/drop_work_tables.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("preparing work tables"))?;
    // Every point located by the reader and no id repeated: each record is one service,
    // made straight from the staging table (group_unique.sql).
    let one_per_record = staged.unique && !cluster && srid == 4326;
    let far_here: Vec<String> = if one_per_record {
        Vec::new()
    } else {
        sqlx::query(include_str!("sql/locate.sql"))
            .bind(srid)
            .execute(&mut *tx)
            .await
            .map_err(db("locating services"))?;
        sqlx::query_scalar(include_str!("sql/reject_far_points.sql"))
            .fetch_all(&mut *tx)
            .await
            .map_err(db("checking the study area"))?
    };
    let stats = summary.source(&source.id);
    count_read(stats, &staged, &far_here);
    let repeated: Vec<(String, String, bool)> = if one_per_record {
        Vec::new()
    } else {
        sqlx::query_as(include_str!("sql/reject_duplicates.sql"))
            .fetch_all(&mut *tx)
            .await
            .map_err(db("checking duplicate ids"))?
    };
    let (far, near): (Vec<_>, Vec<_>) = repeated.into_iter().partition(|(_, _, far)| *far);
    stats.rejected += far.len() as u64;
    for (location, id, _) in far.iter().take(EXAMPLES) {
        stats.notes.push(format!("rejected: {location}: record id {id:?} given again more than 200 m from its first record"));
    }
    if !near.is_empty() {
        stats.warnings += near.len() as u64;
        let examples: Vec<String> = near
            .iter()
            .take(EXAMPLES)
            .map(|(l, id, _)| format!("{l} ({id})"))
            .collect();
        stats.notes.push(format!(
            "warning: {} records repeat an id within 200 m of its first record: grouped as one service, e.g. {}",
            near.len(),
            examples.join(", ")
        ));
    }
    let grouping = if one_per_record {
        sqlx::query(include_str!("sql/group_unique.sql"))
    } else {
        sqlx::query(include_str!("sql/group_entities.sql")).bind(cluster)
    };
    let entities = grouping
        .execute(&mut *tx)
        .await
        .map_err(db("grouping records into services"))?
        .rows_affected();
    // Services other sources describe: one probe per new service, or one hash join.
    let existing = count_services(tx).await?;
    // (Without the spatial index set aside above, one probe per service would scan.)
    let hashed = detached || existing < entities;
    let find = if hashed {
        include_str!("sql/find_duplicates_from_old.sql")
    } else {
        include_str!("sql/find_duplicates.sql")
    };
    if hashed {
        without_merge_joins(tx, true).await?;
    }
    sqlx::query(find)
        .execute(&mut *tx)
        .await
        .map_err(db("finding services other sources describe"))?;
    if hashed {
        without_merge_joins(tx, false).await?;
    }
    merge::keep_one_to_one(tx).await?;
    if !detached && is_bulk(entities, existing) {
        // Nothing was deleted above: the keys that point at `service` stay.
        detach(tx, false).await?;
        detached = true;
    }
    sqlx::query(include_str!("sql/insert_services.sql"))
        .bind(&source.id)
        .bind(home)
        .execute(&mut *tx)
        .await
        .map_err(db("inserting services"))?;
    let inserted = sqlx::query(include_str!("sql/insert_provenance.sql"))
        .bind(&source.id)
        .execute(&mut *tx)
        .await
        .map_err(db("recording where the services come from"))?
        .rows_affected();
    let merged: i64 = sqlx::query_scalar(include_str!("sql/merge_duplicates.sql"))
        .bind(&source.id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("merging duplicate services"))?;
    if detached {
        sqlx::query("SELECT service_load_attach()")
            .execute(&mut *tx)
            .await
            .map_err(db(
                "rebuilding indexes and checking keys after a large load",
            ))?;
    }
    let mismatches: Vec<(String, String, String)> =
        sqlx::query_as(include_str!("sql/commune_mismatches.sql"))
            .fetch_all(&mut *tx)
            .await
            .map_err(db("checking commune codes"))?;
    let examples: Vec<String> = mismatches
        .iter()
        .take(EXAMPLES)
        .map(|(location, given, found)| format!("{location}: code {given}, lies in {found}"))
        .collect();
    note_mismatches(stats, mismatches.len() as u64, &examples);
    let outside: i64 =
        sqlx::query_scalar("SELECT count(*) FROM service_entity WHERE commune_code IS NULL")
            .fetch_one(&mut *tx)
            .await
            .map_err(db("counting services outside the communes"))?;
    note_outside(stats, outside.max(0) as u64);
    stats.loaded += inserted.saturating_sub(merged as u64);
    stats.merged += merged as u64;
    let categories: Vec<String> = sqlx::query_scalar(include_str!("sql/entity_categories.sql"))
        .fetch_all(&mut *tx)
        .await
        .map_err(db(CATEGORIES_READ))?;
    finish_source(tx, source, spec, categories).await
}

/// What was read of the file, to its summary: `far_here`, the locations of the records
/// found more than 5 km from the study area after the reader (projected points).
fn count_read(stats: &mut SourceSummary, staged: &stage::Staged, far_here: &[String]) {
    stats.read += staged.read;
    stats.ignored += staged.ignored;
    stats.rejected += staged.rejected.len() as u64;
    for (value, count) in &staged.unknown {
        *stats.unknown_values.entry(value.clone()).or_default() += count;
    }
    stats.notes.extend(
        staged
            .rejected
            .iter()
            .take(EXAMPLES)
            .map(|r| format!("rejected: {r}")),
    );
    let far = staged.far + far_here.len() as u64;
    stats.rejected += far;
    if far > 0 {
        stats.notes.push(format!(
            "rejected {far} records more than 5 km from the study area, e.g. {}",
            staged
                .far_examples
                .iter()
                .chain(far_here)
                .take(EXAMPLES)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
}

fn note_mismatches(stats: &mut SourceSummary, count: u64, examples: &[String]) {
    if count > 0 {
        stats.warnings += count;
        stats.notes.push(format!(
            "warning: {count} records give a commune code other than the commune they lie in, e.g. {}",
            examples.join("; ")
        ));
    }
}

fn note_outside(stats: &mut SourceSummary, outside: u64) {
    if outside > 0 {
        stats.notes.push(format!("{outside} services lie just outside the study area's communes (within 5 km): kept for cross-border access"));
    }
}

/// The end of a source's load, either way: its coverage, the settings and work tables of
/// the load undone; returns the categories of the services it describes.
async fn finish_source(
    tx: &mut PgConnection,
    source: &Source,
    spec: &crate::manifest::ServiceSpec,
    categories: Vec<String>,
) -> Result<Vec<ServiceCategory>, IngestError> {
    let db = IngestError::database;
    record_coverage(tx, &source.id, &spec.coverage).await?;
    sqlx::query("RESET jit")
        .execute(&mut *tx)
        .await
        .map_err(db("finishing the load"))?;
    sqlx::query("RESET work_mem")
        .execute(&mut *tx)
        .await
        .map_err(db("finishing the load"))?;
    sqlx::query(include_str!("sql/drop_work_tables.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("dropping work tables"))?;
    crate::store::categories_read(categories, CATEGORIES_READ)
}
