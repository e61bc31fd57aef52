//! The manifest: which file is which source, which fields hold codes, names, years and
//! populations, which communes form the study area. Written in TOML, checked on load so a
//! typo in a field name is reported before any file is read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use observatory_core::{CommuneCode, Country};
use serde::Deserialize;

use crate::read::{CsvFormat, Encoding};
use crate::IngestError;

#[derive(Debug, Clone)]
pub struct Manifest {
    pub name: String,
    pub path: PathBuf,
    pub area: BTreeMap<Country, AreaRule>,
    pub facts: FactPaths,
    pub sources: Vec<Source>,
}

/// Which communes of a country belong to the study area.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaRule {
    #[serde(default)]
    pub prefixes: Vec<String>,
    #[serde(default)]
    pub codes: Vec<String>,
}

impl Manifest {
    /// Whether a commune is in the study area. A country the manifest does not name is outside.
    pub fn in_area(&self, code: &CommuneCode) -> bool {
        self.area.get(&code.country()).is_some_and(|rule| {
            rule.codes.iter().any(|c| c == code.code()) || rule.prefixes.iter().any(|p| code.starts_with(p))
        })
    }
}

#[derive(Debug, Clone)]
pub struct FactPaths {
    pub changes: PathBuf,
    pub names: Option<PathBuf>,
    pub arrondissements: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    pub title: String,
    /// Resolved against the data folder.
    pub path: PathBuf,
    /// As written in the manifest, for provenance.
    pub relative_path: String,
    pub publisher: String,
    pub licence: String,
    pub reference_date: Option<String>,
    pub country: Country,
    pub spec: SourceSpec,
}

/// What a source holds, with the fields each kind needs.
#[derive(Debug, Clone)]
pub enum SourceSpec {
    Boundaries {
        code_field: String,
        name_field: String,
        name_language: Language,
        name_nl_field: Option<String>,
        name_fr_field: Option<String>,
    },
    CommuneAttributes {
        format: CsvFormat,
        code_field: String,
        arrondissement_field: Option<String>,
        intercommunality_code_field: Option<String>,
        intercommunality_name_field: Option<String>,
    },
    Population {
        format: CsvFormat,
        code_field: String,
        year_field: String,
        population_field: String,
        name_nl_field: Option<String>,
        name_fr_field: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Nl,
    Fr,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Boundaries,
    CommuneAttributes,
    Population,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    name: String,
    data_dir: PathBuf,
    area: BTreeMap<String, AreaRule>,
    facts: RawFacts,
    source: Vec<RawSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFacts {
    changes: PathBuf,
    names: Option<PathBuf>,
    arrondissements: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: String,
    kind: Kind,
    title: String,
    path: String,
    publisher: String,
    licence: String,
    reference_date: Option<String>,
    country: String,
    delimiter: Option<char>,
    encoding: Option<Encoding>,
    code_field: String,
    name_field: Option<String>,
    name_language: Option<Language>,
    name_nl_field: Option<String>,
    name_fr_field: Option<String>,
    arrondissement_field: Option<String>,
    intercommunality_code_field: Option<String>,
    intercommunality_name_field: Option<String>,
    year_field: Option<String>,
    population_field: Option<String>,
}

impl Manifest {
    /// Reads and checks a manifest. `data_dir` overrides the manifest's own.
    pub fn load(path: &Path, data_dir: Option<&Path>) -> Result<Manifest, IngestError> {
        let fail = |message: String| IngestError::Manifest { path: path.to_path_buf(), message };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let raw: RawManifest = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let data_dir = match data_dir {
            Some(dir) => dir.to_path_buf(),
            None => base.join(&raw.data_dir),
        };
        if !data_dir.is_dir() {
            return Err(fail(format!(
                "the data folder {} does not exist; pass --data-dir or fix `data_dir`",
                data_dir.display()
            )));
        }

        let mut area = BTreeMap::new();
        for (country, rule) in raw.area {
            let country: Country = country.parse().map_err(|e| fail(format!("[area.{country}]: {e}")))?;
            area.insert(country, rule);
        }

        let mut sources = Vec::with_capacity(raw.source.len());
        let mut seen = std::collections::BTreeSet::new();
        for source in raw.source {
            if !seen.insert(source.id.clone()) {
                return Err(fail(format!("two sources have the id {:?}", source.id)));
            }
            sources.push(Source::from_raw(source, &data_dir).map_err(fail)?);
        }

        Ok(Manifest {
            name: raw.name,
            path: path.to_path_buf(),
            area,
            facts: FactPaths {
                changes: base.join(raw.facts.changes),
                names: raw.facts.names.map(|p| base.join(p)),
                arrondissements: raw.facts.arrondissements.map(|p| base.join(p)),
            },
            sources,
        })
    }

    pub fn sources_of<'a>(&'a self, pick: impl Fn(&SourceSpec) -> bool + 'a) -> impl Iterator<Item = &'a Source> + 'a {
        self.sources.iter().filter(move |s| pick(&s.spec))
    }
}

impl Source {
    fn from_raw(raw: RawSource, data_dir: &Path) -> Result<Source, String> {
        let id = raw.id.clone();
        let need = |field: Option<String>, name: &str| {
            field.ok_or_else(|| format!("source {id:?} ({:?}) needs `{name}`", raw.kind))
        };
        let country: Country = raw.country.parse().map_err(|e| format!("source {id:?}: {e}"))?;
        let format = CsvFormat {
            delimiter: raw.delimiter.unwrap_or(','),
            encoding: raw.encoding.unwrap_or(Encoding::Utf8),
        };
        if !format.delimiter.is_ascii() {
            return Err(format!("source {id:?}: the delimiter must be one ASCII character"));
        }
        let spec = match raw.kind {
            Kind::Boundaries => SourceSpec::Boundaries {
                code_field: raw.code_field.clone(),
                name_field: need(raw.name_field.clone(), "name_field")?,
                name_language: raw
                    .name_language
                    .ok_or_else(|| format!("source {id:?} (Boundaries) needs `name_language` (nl or fr)"))?,
                name_nl_field: raw.name_nl_field.clone(),
                name_fr_field: raw.name_fr_field.clone(),
            },
            Kind::CommuneAttributes => SourceSpec::CommuneAttributes {
                format,
                code_field: raw.code_field.clone(),
                arrondissement_field: raw.arrondissement_field.clone(),
                intercommunality_code_field: raw.intercommunality_code_field.clone(),
                intercommunality_name_field: raw.intercommunality_name_field.clone(),
            },
            Kind::Population => SourceSpec::Population {
                format,
                code_field: raw.code_field.clone(),
                year_field: need(raw.year_field.clone(), "year_field")?,
                population_field: need(raw.population_field.clone(), "population_field")?,
                name_nl_field: raw.name_nl_field.clone(),
                name_fr_field: raw.name_fr_field.clone(),
            },
        };
        let path = data_dir.join(&raw.path);
        if !path.is_file() {
            return Err(format!("source {id:?}: the file {} does not exist", path.display()));
        }
        Ok(Source {
            id: raw.id,
            title: raw.title,
            path,
            relative_path: raw.path,
            publisher: raw.publisher,
            licence: raw.licence,
            reference_date: raw.reference_date,
            country,
            spec,
        })
    }
}
