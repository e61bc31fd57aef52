//! Facts the project records itself in `data/`: changes of commune codes, bilingual
//! names, arrondissement names. They are read with the same care as sources.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use observatory_core::{CommuneCode, Country};

use crate::manifest::Manifest;
use crate::read::{CsvFormat, CsvTable, Encoding};
use crate::IngestError;

const UTF8_CSV: CsvFormat = CsvFormat {
    delimiter: ',',
    encoding: Encoding::Utf8,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Merger,
    Recode,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Merger => "merger",
            ChangeKind::Recode => "recode",
        }
    }
}

/// A commune code that stopped (or, for a commune nouvelle keeping its code, changed
/// territory) on `effective`, continued by `new`.
#[derive(Debug, Clone)]
pub struct Change {
    pub effective: NaiveDate,
    pub kind: ChangeKind,
    pub old: CommuneCode,
    pub old_name: String,
    pub new: CommuneCode,
    pub new_name: String,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct Arrondissement {
    pub country: Country,
    pub code: String,
    pub name_nl: String,
    pub name_fr: String,
    pub member_prefix: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Names {
    pub nl: Option<String>,
    pub fr: Option<String>,
}

#[derive(Debug, Default)]
pub struct Facts {
    pub changes: Vec<Change>,
    pub names: BTreeMap<CommuneCode, Names>,
    pub arrondissements: Vec<Arrondissement>,
}

impl Facts {
    pub fn load(manifest: &Manifest) -> Result<Facts, IngestError> {
        let mut facts = Facts::default();
        if let Some(path) = &manifest.facts.changes {
            facts.changes = read_changes(path)?;
        }
        if let Some(path) = &manifest.facts.names {
            facts.names = read_names(path)?;
        }
        if let Some(path) = &manifest.facts.arrondissements {
            facts.arrondissements = read_arrondissements(path)?;
        }
        Ok(facts)
    }

    /// The change that ended `code` after `date`, if any: where a figure given under that
    /// code on that date is counted today.
    pub fn successor_after(&self, code: &CommuneCode, date: NaiveDate) -> Option<&Change> {
        self.changes
            .iter()
            .filter(|c| &c.old == code && c.effective > date && &c.new != code)
            .min_by_key(|c| c.effective)
    }

    /// The codes a commune absorbed by mergers effective on or before `date` (itself
    /// included when it kept its code): the territory a figure under `code` then counts.
    pub fn merged_into(&self, code: &CommuneCode, date: NaiveDate) -> Vec<&CommuneCode> {
        self.changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Merger && &c.new == code && c.effective <= date)
            .map(|c| &c.old)
            .collect()
    }

    /// The commune of the boundary layer where a figure published under `code` on `on`
    /// is counted today, and whether it was carried over a change; None when no commune
    /// and no recorded change leads to one.
    pub fn resolve(
        &self,
        code: &CommuneCode,
        on: NaiveDate,
        communes: &crate::communes::Communes,
    ) -> Option<(CommuneCode, bool)> {
        const MAX_CHAIN: usize = 16;
        let mut current = code.clone();
        for _ in 0..MAX_CHAIN {
            if communes.contains_key(&current) {
                let carried = &current != code;
                return Some((current, carried));
            }
            current = self.successor_after(&current, on)?.new.clone();
        }
        None
    }

    /// The arrondissement of a commune by code prefix (Belgian NIS codes carry it).
    pub fn arrondissement_by_prefix(&self, code: &CommuneCode) -> Option<&Arrondissement> {
        self.arrondissements
            .iter()
            .filter(|a| a.country == code.country())
            .filter(|a| {
                a.member_prefix
                    .as_deref()
                    .is_some_and(|p| code.starts_with(p))
            })
            .max_by_key(|a| a.member_prefix.as_ref().map_or(0, String::len))
    }

    pub fn arrondissement(&self, country: Country, code: &str) -> Option<&Arrondissement> {
        self.arrondissements
            .iter()
            .find(|a| a.country == country && a.code == code)
    }
}

fn read_changes(path: &Path) -> Result<Vec<Change>, IngestError> {
    let mut table = CsvTable::open(path, UTF8_CSV)?;
    let [effective, country, kind, old_code, old_name, new_code, new_name, note] = [
        "effective",
        "country",
        "kind",
        "old_code",
        "old_name",
        "new_code",
        "new_name",
        "note",
    ]
    .map(|c| table.column(c));
    let (effective, country, kind, old_code, old_name, new_code, new_name, note) = (
        effective?, country?, kind?, old_code?, old_name?, new_code?, new_name?, note?,
    );
    let mut changes = Vec::new();
    table.for_each_row(|row| {
        let date = row.require(effective, "effective")?;
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|e| {
            row.error(
                "effective",
                format!("{date:?} is not a date YYYY-MM-DD: {e}"),
            )
        })?;
        let country: Country = row
            .require(country, "country")?
            .parse()
            .map_err(|e| row.error("country", format!("{e}")))?;
        let kind = match row.require(kind, "kind")? {
            "merger" => ChangeKind::Merger,
            "recode" => ChangeKind::Recode,
            other => {
                return Err(row.error("kind", format!("{other:?} is neither merger nor recode")))
            }
        };
        let parse = |column, field| {
            row.require(column, field).and_then(|v| {
                CommuneCode::parse(country, v).map_err(|e| row.error(field, e.to_string()))
            })
        };
        changes.push(Change {
            effective: date,
            kind,
            old: parse(old_code, "old_code")?,
            old_name: row.require(old_name, "old_name")?.to_owned(),
            new: parse(new_code, "new_code")?,
            new_name: row.require(new_name, "new_name")?.to_owned(),
            note: row.get(note).unwrap_or_default().to_owned(),
        });
        Ok(())
    })?;
    Ok(changes)
}

fn read_names(path: &Path) -> Result<BTreeMap<CommuneCode, Names>, IngestError> {
    let mut table = CsvTable::open(path, UTF8_CSV)?;
    let (country, code, nl, fr) = (
        table.column("country")?,
        table.column("code")?,
        table.column("name_nl")?,
        table.column("name_fr")?,
    );
    let mut names = BTreeMap::new();
    table.for_each_row(|row| {
        let country: Country = row
            .require(country, "country")?
            .parse()
            .map_err(|e| row.error("country", format!("{e}")))?;
        let code = CommuneCode::parse(country, row.require(code, "code")?)
            .map_err(|e| row.error("code", e.to_string()))?;
        let entry = Names {
            nl: row.get(nl).map(str::to_owned),
            fr: row.get(fr).map(str::to_owned),
        };
        if names.insert(code.clone(), entry).is_some() {
            return Err(row.error("code", format!("{code} is listed twice")));
        }
        Ok(())
    })?;
    Ok(names)
}

fn read_arrondissements(path: &Path) -> Result<Vec<Arrondissement>, IngestError> {
    let mut table = CsvTable::open(path, UTF8_CSV)?;
    let (country, code, nl, fr, prefix) = (
        table.column("country")?,
        table.column("code")?,
        table.column("name_nl")?,
        table.column("name_fr")?,
        table.column("member_prefix")?,
    );
    let mut list = Vec::new();
    table.for_each_row(|row| {
        list.push(Arrondissement {
            country: row
                .require(country, "country")?
                .parse()
                .map_err(|e| row.error("country", format!("{e}")))?,
            code: row.require(code, "code")?.to_owned(),
            name_nl: row.require(nl, "name_nl")?.to_owned(),
            name_fr: row.require(fr, "name_fr")?.to_owned(),
            member_prefix: row.get(prefix).map(str::to_owned),
        });
        Ok(())
    })?;
    Ok(list)
}
