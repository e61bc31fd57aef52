//! Population series, carried across commune changes: a figure published under a former
//! code is counted in the commune of the boundary layer that continues it, so every
//! commune's series stays continuous across mergers and recodings.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use observatory_core::{CommuneCode, Year};

use crate::communes::Communes;
use crate::facts::{Facts, Names};
use crate::manifest::{Manifest, Source, SourceSpec};
use crate::progress::Progress;
use crate::read::CsvTable;
use crate::summary::Summary;
use crate::IngestError;

/// One commune's population in one year, possibly summed from former communes.
#[derive(Debug, Clone)]
pub struct PopulationRow {
    pub code: CommuneCode,
    pub year: Year,
    pub population: u32,
    /// The communes of the boundary layer whose territory the figure counts.
    pub covers: Vec<CommuneCode>,
    pub source_id: String,
}

#[derive(Debug, Default)]
pub struct Population {
    pub rows: Vec<PopulationRow>,
    /// Names given by the latest year of a population source, for communes listed under their current code.
    pub latest_names: BTreeMap<CommuneCode, Names>,
}

pub fn read_all(
    manifest: &Manifest,
    facts: &Facts,
    communes: &Communes,
    summary: &mut Summary,
    progress: &Progress,
) -> Result<Population, IngestError> {
    let mut population = Population::default();
    for source in manifest.sources_of(|s| matches!(s, SourceSpec::Population { .. })) {
        progress.stage(&source.id);
        read_source(manifest, facts, communes, source, summary, &mut population)?;
    }
    Ok(population)
}

fn read_source(
    manifest: &Manifest,
    facts: &Facts,
    communes: &Communes,
    source: &Source,
    summary: &mut Summary,
    out: &mut Population,
) -> Result<(), IngestError> {
    let SourceSpec::Population {
        country,
        format,
        code_field,
        year_field,
        population_field,
        name_nl_field,
        name_fr_field,
    } = &source.spec
    else {
        return Ok(());
    };
    let mut table = CsvTable::open(&source.path, *format)?;
    let (code_col, year_col, pop_col) = (
        table.column(code_field)?,
        table.column(year_field)?,
        table.column(population_field)?,
    );
    let nl_col = table.optional_column(name_nl_field.as_deref())?;
    let fr_col = table.optional_column(name_fr_field.as_deref())?;
    let stats = summary.source(&source.id);

    // (commune, year) → sum, the codes summed (to catch a row given twice) and the line of the first.
    let mut sums: BTreeMap<(CommuneCode, Year), (u64, BTreeSet<CommuneCode>)> = BTreeMap::new();
    let mut names: BTreeMap<CommuneCode, (Year, Names)> = BTreeMap::new();
    table.for_each_row(|row| {
        stats.read += 1;
        let code = CommuneCode::parse(*country, row.require(code_col, code_field)?)
            .map_err(|e| row.error(code_field, e.to_string()))?;
        let year: Year = row
            .require(year_col, year_field)?
            .parse()
            .map_err(|e| row.error(year_field, format!("{e}")))?;
        let value = row.require(pop_col, population_field)?;
        let population: u32 = value
            .parse()
            .map_err(|_| row.error(population_field, format!("{value:?} is not a whole number of inhabitants")))?;
        let on = NaiveDate::from_ymd_opt(i32::from(year), 1, 1)
            .ok_or_else(|| row.error(year_field, "not a calendar year"))?;

        let target = match facts.resolve(&code, on, communes) {
            Some((target, carried)) => {
                if carried {
                    stats.carried_to_successor += 1;
                }
                target
            }
            None => {
                if manifest.in_area(&code) {
                    return Err(row.error(
                        code_field,
                        format!(
                            "commune {} ({year}) matches no commune of the boundary sources, and no recorded change explains it",
                            code.id()
                        ),
                    ));
                }
                stats.skipped_outside_area += 1;
                return Ok(());
            }
        };
        if target == code {
            let latest = names.get(&code).is_none_or(|(y, _)| *y <= year);
            if latest {
                let entry = Names { nl: nl_col.and_then(|c| row.get(c)).map(str::to_owned), fr: fr_col.and_then(|c| row.get(c)).map(str::to_owned) };
                names.insert(code.clone(), (year, entry));
            }
        }
        let (sum, from) = sums.entry((target, year)).or_default();
        if !from.insert(code.clone()) {
            return Err(row.error(code_field, format!("a second row for commune {} in {year}", code.id())));
        }
        *sum += u64::from(population);
        Ok(())
    })?;

    for ((code, year), (sum, _)) in sums {
        let on = NaiveDate::from_ymd_opt(i32::from(year), 1, 1).unwrap_or_default();
        // After a merger that kept one of the old codes, the figure counts every
        // absorbed commune that the boundary layer still draws separately.
        let mut covers: Vec<CommuneCode> = facts
            .merged_into(&code, on)
            .into_iter()
            .filter(|c| communes.contains_key(*c))
            .cloned()
            .collect();
        if !covers.contains(&code) {
            covers.push(code.clone());
        }
        covers.sort();
        if covers.len() > 1 {
            let ids: Vec<String> = covers.iter().map(|c| c.id().to_string()).collect();
            stats.notes.push(format!(
                "{} {year}: one figure for the merged territory of {}",
                code.id(),
                ids.join(" + ")
            ));
        }
        let population = u32::try_from(sum).map_err(|_| {
            IngestError::input(
                &source.path,
                crate::Location::File,
                Some(population_field),
                format!("population of {} in {year} overflows", code.id()),
            )
        })?;
        out.rows.push(PopulationRow {
            code,
            year,
            population,
            covers,
            source_id: source.id.clone(),
        });
        stats.loaded += 1;
    }
    for (code, (_, entry)) in names {
        out.latest_names.insert(code, entry);
    }
    Ok(())
}
