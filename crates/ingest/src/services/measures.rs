//! Numbers about services of another source over time (train stops per day per year,
//! boardings, station facilities), joined on that source's record ids.

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::manifest::{Source, SourceSpec};
use crate::read::CsvTable;
use crate::summary::Summary;
use crate::IngestError;

pub async fn load_measures(
    tx: &mut PgConnection,
    source: &Source,
    summary: &mut Summary,
) -> Result<(), IngestError> {
    let SourceSpec::ServiceMeasures(spec) = &source.spec else {
        return Ok(());
    };
    let mut table = CsvTable::open(&source.path, spec.csv)?;
    let join_col = table.column(&spec.join_field)?;
    let date_col = table.optional_column(spec.date_field.as_deref())?;
    let measure_cols: Vec<(usize, &str)> = spec
        .measure_fields
        .iter()
        .map(|f| table.column(f).map(|c| (c, f.as_str())))
        .collect::<Result<_, _>>()?;
    let stats = summary.source(&source.id);
    let (mut ids, mut measures, mut dates, mut values) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    table.for_each_row(|row| {
        stats.read += 1;
        let id = row.require(join_col, &spec.join_field)?.to_owned();
        let on = match (date_col, spec.observed_on) {
            (Some(col), _) => {
                let text = row.require(col, spec.date_field.as_deref().unwrap_or("date"))?;
                NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d").map_err(
                    |_| {
                        row.error(
                            spec.date_field.as_deref().unwrap_or("date"),
                            format!("{text:?} is not a date"),
                        )
                    },
                )?
            }
            (None, Some(date)) => date,
            (None, None) => return Err(row.error("date", "no date")),
        };
        for (col, field) in &measure_cols {
            let Some(text) = row.get(*col) else { continue };
            let value: f64 = text
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| row.error(field, format!("{text:?} is not a finite number")))?;
            ids.push(id.clone());
            measures.push((*field).to_owned());
            dates.push(on);
            values.push(value);
        }
        Ok(())
    })?;
    let db = IngestError::database;
    sqlx::query("DELETE FROM service_measure WHERE source_id = $1")
        .bind(&source.id)
        .execute(&mut *tx)
        .await
        .map_err(db("replacing measures"))?;
    let unmatched: Vec<String> = sqlx::query_scalar(include_str!("sql/unmatched_measure_ids.sql"))
        .bind(&ids)
        .bind(&spec.of_source)
        .fetch_all(&mut *tx)
        .await
        .map_err(db("matching measures to services"))?;
    let inserted = sqlx::query(include_str!("sql/insert_measures.sql"))
        .bind(&ids)
        .bind(&measures)
        .bind(&dates)
        .bind(&values)
        .bind(&source.id)
        .bind(&spec.of_source)
        .execute(&mut *tx)
        .await
        .map_err(db("inserting measures"))?
        .rows_affected();
    stats.loaded += inserted;
    if !unmatched.is_empty() {
        stats.warnings += unmatched.len() as u64;
        stats.notes.push(format!(
            "warning: {} ids match no record of {}: {}",
            unmatched.len(),
            spec.of_source,
            unmatched
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(())
}
