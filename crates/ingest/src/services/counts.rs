//! Counts of services per commune without points (INSEE BPE): kept as counts, never
//! turned into invented points.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use observatory_core::{CommuneCode, Year};
use sqlx::PgConnection;

use crate::communes::Communes;
use crate::facts::Facts;
use crate::manifest::{CountLayout, CountSpec, Manifest, Source, SourceSpec};
use crate::read::CsvTable;
use crate::summary::Summary;
use crate::taxonomy::{Mapping, Taxonomy};
use crate::{IngestError, Location};

type Key = (CommuneCode, String, Year);

/// The counts as parallel columns, sent in one statement with UNNEST.
#[derive(Default)]
struct CountRows<'a> {
    country: Vec<&'a str>,
    code: Vec<&'a str>,
    category: Vec<&'a str>,
    year: Vec<i16>,
    count: Vec<i32>,
}

pub async fn load_counts(
    tx: &mut PgConnection,
    manifest: &Manifest,
    facts: &Facts,
    communes: &Communes,
    source: &Source,
    taxonomy: &Taxonomy,
    summary: &mut Summary,
) -> Result<(), IngestError> {
    let SourceSpec::ServiceCounts(spec) = &source.spec else {
        return Ok(());
    };
    let counts = read(manifest, facts, communes, source, spec, taxonomy, summary)?;
    let db = IngestError::database;
    sqlx::query("DELETE FROM service_count WHERE source_id = $1")
        .bind(&source.id)
        .execute(&mut *tx)
        .await
        .map_err(db("replacing counts"))?;
    let mut rows = CountRows::default();
    for ((code, category, year), count) in &counts {
        let count = i32::try_from(*count).map_err(|_| {
            IngestError::input(
                &source.path,
                Location::File,
                None,
                format!(
                    "{} services of `{category}` in {} in {year}: more than a count column holds",
                    count,
                    code.id()
                ),
            )
        })?;
        rows.country.push(code.country().iso2());
        rows.code.push(code.code());
        rows.category.push(category);
        rows.year.push(year.get());
        rows.count.push(count);
    }
    sqlx::query(include_str!("sql/insert_counts.sql"))
        .bind(rows.country)
        .bind(rows.code)
        .bind(rows.category)
        .bind(rows.year)
        .bind(rows.count)
        .bind(&source.id)
        .execute(&mut *tx)
        .await
        .map_err(db("inserting counts"))?;
    super::record_coverage(tx, &source.id, &spec.coverage).await?;
    summary.source(&source.id).loaded += counts.len() as u64;
    Ok(())
}

fn read(
    manifest: &Manifest,
    facts: &Facts,
    communes: &Communes,
    source: &Source,
    spec: &CountSpec,
    taxonomy: &Taxonomy,
    summary: &mut Summary,
) -> Result<BTreeMap<Key, u64>, IngestError> {
    let mut table = CsvTable::open(&source.path, spec.csv)?;
    let code_col = table.column(&spec.code_field)?;
    let stats = summary.source(&source.id);
    let mut counts: BTreeMap<Key, u64> = BTreeMap::new();
    // Columns or values of the taxonomy vocabulary: resolved once.
    match &spec.layout {
        CountLayout::Wide { year, skip_columns } => {
            let headers = table.headers().clone();
            let mut mapped: Vec<(usize, String)> = Vec::new();
            for (index, header) in headers.iter().enumerate() {
                if index == code_col || skip_columns.iter().any(|s| s == header) {
                    continue;
                }
                match taxonomy.map(&spec.vocabulary, header) {
                    Mapping::Category(category) => {
                        mapped.push((index, category.as_str().to_owned()))
                    }
                    Mapping::Ignored => stats.ignored += 1,
                    Mapping::Unknown => {
                        *stats.unknown_values.entry(header.to_owned()).or_default() += 1
                    }
                }
            }
            let on = year_start(*year);
            table.for_each_row(|row| {
                stats.read += 1;
                let Some(commune) =
                    resolve_commune(manifest, facts, communes, spec, row, code_col, on, stats)?
                else {
                    return Ok(());
                };
                for (index, category) in &mapped {
                    let value = row.get(*index).unwrap_or("0");
                    let count: u64 = value.parse().map_err(|_| {
                        row.error(&headers[*index], format!("{value:?} is not a count"))
                    })?;
                    let sum = counts
                        .entry((commune.clone(), category.clone(), *year))
                        .or_default();
                    *sum = sum
                        .checked_add(count)
                        .ok_or_else(|| row.error(&headers[*index], "the count overflows"))?;
                }
                Ok(())
            })?;
        }
        CountLayout::Long {
            category_field,
            count_field,
            year_field,
        } => {
            let (category_col, count_col, year_col) = (
                table.column(category_field)?,
                table.column(count_field)?,
                table.column(year_field)?,
            );
            table.for_each_row(|row| {
                stats.read += 1;
                let year: Year = row
                    .require(year_col, year_field)?
                    .parse()
                    .map_err(|e| row.error(year_field, format!("{e}")))?;
                let raw = row.require(category_col, category_field)?;
                let category = match taxonomy.map(&spec.vocabulary, raw) {
                    Mapping::Category(category) => category.as_str().to_owned(),
                    Mapping::Ignored => {
                        stats.ignored += 1;
                        return Ok(());
                    }
                    Mapping::Unknown => {
                        *stats.unknown_values.entry(raw.to_owned()).or_default() += 1;
                        return Ok(());
                    }
                };
                let Some(commune) = resolve_commune(
                    manifest,
                    facts,
                    communes,
                    spec,
                    row,
                    code_col,
                    year_start(year),
                    stats,
                )?
                else {
                    return Ok(());
                };
                let value = row.require(count_col, count_field)?;
                let count: u64 = value
                    .parse()
                    .map_err(|_| row.error(count_field, format!("{value:?} is not a count")))?;
                let sum = counts.entry((commune, category, year)).or_default();
                *sum = sum
                    .checked_add(count)
                    .ok_or_else(|| row.error(count_field, "the count overflows"))?;
                Ok(())
            })?;
        }
    }
    Ok(counts)
}

fn year_start(year: Year) -> NaiveDate {
    NaiveDate::from_ymd_opt(i32::from(year), 1, 1).unwrap_or_default()
}

/// The commune a row counts for today, following recorded changes; rows outside the
/// study area are skipped and counted, any other unknown code is an error.
#[allow(clippy::too_many_arguments)]
fn resolve_commune(
    manifest: &Manifest,
    facts: &Facts,
    communes: &Communes,
    spec: &CountSpec,
    row: &crate::read::CsvRow<'_>,
    code_col: usize,
    on: NaiveDate,
    stats: &mut crate::summary::SourceSummary,
) -> Result<Option<CommuneCode>, IngestError> {
    let code = CommuneCode::parse(spec.country, row.require(code_col, &spec.code_field)?)
        .map_err(|e| row.error(&spec.code_field, e.to_string()))?;
    match facts.resolve(&code, on, communes) {
        Some((target, carried)) => {
            if carried {
                stats.carried_to_successor += 1;
            }
            Ok(Some(target))
        }
        None if manifest.in_area(&code) => Err(row.error(
            &spec.code_field,
            format!("commune {} matches no commune of the boundary sources, and no recorded change explains it", code.id()),
        )),
        None => {
            stats.skipped_outside_area += 1;
            Ok(None)
        }
    }
}
