//! The manifest: which file is which source, which fields hold codes, names, years and
//! populations, which communes form the study area. Written in TOML, checked on load so a
//! typo in a field name is reported before any file is read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use observatory_core::{CommuneCode, Country, RegionId};
use serde::Deserialize;

use crate::read::{CsvFormat, Encoding};
use crate::IngestError;

/// The largest manifest read: 1 MiB (the Westhoek one is 13 KB).
const MANIFEST_LIMIT: u64 = 1 << 20;

#[derive(Debug, Clone)]
pub struct Manifest {
    pub name: String,
    pub path: PathBuf,
    /// The region the manifest loads; `None` for a manifest of services only (and a quick
    /// import), whose sources then belong to no region.
    pub region: Option<Region>,
    pub area: BTreeMap<Country, AreaRule>,
    pub facts: FactPaths,
    pub sources: Vec<Source>,
}

/// The study area a manifest loads, as the atlas names it and opens on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub id: RegionId,
    pub name_nl: String,
    pub name_fr: String,
    pub name_en: String,
    /// The box the map opens on, west, south, east, north (WGS 84 degrees); without it,
    /// the extent of the region's communes.
    pub view: Option<[f64; 4]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    id: String,
    name_nl: String,
    name_fr: String,
    name_en: String,
    view: Option<[f64; 4]>,
}

impl Region {
    fn from_raw(raw: RawRegion) -> Result<Region, String> {
        let id = RegionId::parse(&raw.id).map_err(|e| format!("[region] id: {e}"))?;
        for (key, name) in [
            ("name_nl", &raw.name_nl),
            ("name_fr", &raw.name_fr),
            ("name_en", &raw.name_en),
        ] {
            let length = name.chars().count();
            if name.trim().is_empty() || length > 120 || name.chars().any(char::is_control) {
                return Err(format!(
                    "[region] {key}: give the region's name, 1 to 120 characters without control characters"
                ));
            }
        }
        if let Some([west, south, east, north]) = raw.view {
            let valid = [west, south, east, north].iter().all(|v| v.is_finite())
                && (-180.0..=180.0).contains(&west)
                && (-180.0..=180.0).contains(&east)
                && (-90.0..=90.0).contains(&south)
                && (-90.0..=90.0).contains(&north)
                && west < east
                && south < north;
            if !valid {
                return Err(format!(
                    "[region] view: {:?} is not a box [west, south, east, north] in WGS 84 degrees with west < east and south < north",
                    [west, south, east, north]
                ));
            }
        }
        Ok(Region {
            id,
            name_nl: raw.name_nl,
            name_fr: raw.name_fr,
            name_en: raw.name_en,
            view: raw.view,
        })
    }
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
            rule.codes.iter().any(|c| c == code.code())
                || rule.prefixes.iter().any(|p| code.starts_with(p))
        })
    }
}

#[derive(Debug, Clone)]
pub struct FactPaths {
    pub changes: Option<PathBuf>,
    pub names: Option<PathBuf>,
    pub arrondissements: Option<PathBuf>,
    pub taxonomy: Option<PathBuf>,
    pub indicators: Option<PathBuf>,
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
    pub spec: SourceSpec,
}

/// What a source holds, with the fields each kind needs.
#[derive(Debug, Clone)]
pub enum SourceSpec {
    Boundaries {
        country: Country,
        code_field: String,
        name_field: String,
        name_language: Language,
        name_nl_field: Option<String>,
        name_fr_field: Option<String>,
    },
    CommuneAttributes {
        country: Country,
        format: CsvFormat,
        code_field: String,
        arrondissement_field: Option<String>,
        intercommunality_code_field: Option<String>,
        intercommunality_name_field: Option<String>,
    },
    Population {
        country: Country,
        format: CsvFormat,
        code_field: String,
        year_field: String,
        population_field: String,
        name_nl_field: Option<String>,
        name_fr_field: Option<String>,
    },
    /// Parts of communes (Belgian deelgemeenten): the code starts with the commune's code.
    SubMunicipalities {
        country: Country,
        code_field: String,
        name_field: String,
    },
    Services(ServiceSpec),
    ServiceCounts(CountSpec),
    ServiceMeasures(MeasureSpec),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Geojson,
    Csv,
}

/// Where a record's category comes from.
#[derive(Debug, Clone)]
pub enum CategoryRule {
    /// Every record is of this category (iRail stations, AFMPS pharmacies).
    Fixed(observatory_core::ServiceCategory),
    /// A field holds a value of a taxonomy vocabulary.
    Field { field: String, vocabulary: String },
}

/// Where a record's position comes from.
#[derive(Debug, Clone)]
pub enum PositionRule {
    /// The GeoJSON feature's Point geometry (EPSG:4326).
    Geometry,
    /// Two fields in a known coordinate reference system.
    Fields { x: String, y: String, srid: i32 },
}

/// Service points: one record a service, or one record a service per snapshot date.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub format: FileFormat,
    pub csv: CsvFormat,
    /// Countries where the source is complete enough that absence means "none here".
    pub coverage: Vec<Country>,
    pub id_field: Option<String>,
    pub name_field: Option<String>,
    pub address_fields: Vec<String>,
    pub commune_code_field: Option<String>,
    pub category: CategoryRule,
    pub position: PositionRule,
    /// A field with the date of the snapshot a record belongs to.
    pub snapshot_field: Option<String>,
    /// The date the whole source describes, when it is one snapshot.
    pub observed_on: Option<chrono::NaiveDate>,
    pub status_field: Option<String>,
    pub attribute_fields: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum CountLayout {
    /// One row a commune, one column a type (BPE 2009/2013 tables); `year` is fixed.
    Wide {
        year: observatory_core::Year,
        skip_columns: Vec<String>,
    },
    /// One row a commune and type (BPE 2018).
    Long {
        category_field: String,
        count_field: String,
        year_field: String,
    },
}

/// Counts of services per commune and type, without points.
#[derive(Debug, Clone)]
pub struct CountSpec {
    pub country: Country,
    pub csv: CsvFormat,
    pub coverage: Vec<Country>,
    pub code_field: String,
    pub vocabulary: String,
    pub layout: CountLayout,
}

/// Numbers about services of another source, joined on that source's record id.
#[derive(Debug, Clone)]
pub struct MeasureSpec {
    pub csv: CsvFormat,
    pub of_source: String,
    pub join_field: String,
    pub date_field: Option<String>,
    pub observed_on: Option<chrono::NaiveDate>,
    pub measure_fields: Vec<String>,
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
    SubMunicipalities,
    CommuneAttributes,
    Population,
    Services,
    ServiceCounts,
    ServiceMeasures,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    name: String,
    data_dir: PathBuf,
    region: Option<RawRegion>,
    area: BTreeMap<String, AreaRule>,
    facts: RawFacts,
    source: Vec<RawSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFacts {
    changes: Option<PathBuf>,
    names: Option<PathBuf>,
    arrondissements: Option<PathBuf>,
    taxonomy: Option<PathBuf>,
    indicators: Option<PathBuf>,
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
    country: Option<String>,
    delimiter: Option<char>,
    encoding: Option<Encoding>,
    code_field: Option<String>,
    name_field: Option<String>,
    name_language: Option<Language>,
    name_nl_field: Option<String>,
    name_fr_field: Option<String>,
    arrondissement_field: Option<String>,
    intercommunality_code_field: Option<String>,
    intercommunality_name_field: Option<String>,
    year_field: Option<String>,
    population_field: Option<String>,
    format: Option<FileFormat>,
    #[serde(default)]
    coverage: Vec<String>,
    id_field: Option<String>,
    #[serde(default)]
    address_fields: Vec<String>,
    commune_code_field: Option<String>,
    category: Option<String>,
    category_field: Option<String>,
    vocabulary: Option<String>,
    x_field: Option<String>,
    y_field: Option<String>,
    srid: Option<i32>,
    snapshot_field: Option<String>,
    observed_on: Option<chrono::NaiveDate>,
    status_field: Option<String>,
    #[serde(default)]
    attribute_fields: Vec<String>,
    layout: Option<String>,
    year: Option<i32>,
    #[serde(default)]
    skip_columns: Vec<String>,
    count_field: Option<String>,
    of_source: Option<String>,
    join_field: Option<String>,
    date_field: Option<String>,
    #[serde(default)]
    measure_fields: Vec<String>,
}

impl Manifest {
    /// Reads and checks a manifest. `data_dir` overrides the manifest's own.
    pub fn load(path: &Path, data_dir: Option<&Path>) -> Result<Manifest, IngestError> {
        let fail = |message: String| IngestError::Manifest {
            path: path.to_path_buf(),
            message,
        };
        let size = std::fs::metadata(path)
            .map_err(|e| fail(e.to_string()))?
            .len();
        if size > MANIFEST_LIMIT {
            return Err(fail(format!(
                "{size} bytes: a manifest is a few kilobytes of TOML (the limit is {} KiB)",
                MANIFEST_LIMIT >> 10
            )));
        }
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
            let country: Country = country
                .parse()
                .map_err(|e| fail(format!("[area.{country}]: {e}")))?;
            area.insert(country, rule);
        }

        let region = raw.region.map(Region::from_raw).transpose().map_err(fail)?;

        let mut sources = Vec::with_capacity(raw.source.len());
        let mut seen = std::collections::BTreeSet::new();
        for source in raw.source {
            if !seen.insert(source.id.clone()) {
                return Err(fail(format!("two sources have the id {:?}", source.id)));
            }
            sources.push(Source::from_raw(source, &data_dir).map_err(fail)?);
        }

        // Communes always belong to a region: several study areas share one database, and
        // a load replaces its own region's communes only.
        if region.is_none()
            && sources
                .iter()
                .any(|s| matches!(s.spec, SourceSpec::Boundaries { .. }))
        {
            return Err(fail(
                "a manifest that loads communes (a `boundaries` source) names their region: \
                 add [region] with `id` (e.g. \"westhoek\"), `name_nl`, `name_fr` and `name_en`"
                    .to_owned(),
            ));
        }

        Ok(Manifest {
            name: raw.name,
            path: path.to_path_buf(),
            region,
            area,
            facts: FactPaths {
                changes: raw.facts.changes.map(|p| base.join(p)),
                names: raw.facts.names.map(|p| base.join(p)),
                arrondissements: raw.facts.arrondissements.map(|p| base.join(p)),
                taxonomy: raw.facts.taxonomy.map(|p| base.join(p)),
                indicators: raw.facts.indicators.map(|p| base.join(p)),
            },
            sources,
        })
    }

    pub fn sources_of<'a>(
        &'a self,
        pick: impl Fn(&SourceSpec) -> bool + 'a,
    ) -> impl Iterator<Item = &'a Source> + 'a {
        self.sources.iter().filter(move |s| pick(&s.spec))
    }
}

impl Source {
    fn from_raw(raw: RawSource, data_dir: &Path) -> Result<Source, String> {
        let id = raw.id.clone();
        let need = |field: Option<String>, name: &str| {
            field.ok_or_else(|| format!("source {id:?} ({:?}) needs `{name}`", raw.kind))
        };
        let country = || -> Result<Country, String> {
            raw.country
                .as_deref()
                .ok_or_else(|| {
                    format!("source {id:?} ({:?}) needs `country` (BE or FR)", raw.kind)
                })?
                .parse()
                .map_err(|e| format!("source {id:?}: {e}"))
        };
        let coverage = raw
            .coverage
            .iter()
            .map(|c| {
                c.parse::<Country>()
                    .map_err(|e| format!("source {id:?}, coverage: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let code_field = || need(raw.code_field.clone(), "code_field");
        let format_csv = CsvFormat {
            delimiter: raw.delimiter.unwrap_or(','),
            encoding: raw.encoding.unwrap_or(Encoding::Utf8),
        };
        let format = format_csv;
        if !format.delimiter.is_ascii() {
            return Err(format!(
                "source {id:?}: the delimiter must be one ASCII character"
            ));
        }
        let spec = match raw.kind {
            Kind::Boundaries => SourceSpec::Boundaries {
                country: country()?,
                code_field: code_field()?,
                name_field: need(raw.name_field.clone(), "name_field")?,
                name_language: raw.name_language.ok_or_else(|| {
                    format!("source {id:?} (Boundaries) needs `name_language` (nl or fr)")
                })?,
                name_nl_field: raw.name_nl_field.clone(),
                name_fr_field: raw.name_fr_field.clone(),
            },
            Kind::SubMunicipalities => SourceSpec::SubMunicipalities {
                country: country()?,
                code_field: code_field()?,
                name_field: need(raw.name_field.clone(), "name_field")?,
            },
            Kind::CommuneAttributes => SourceSpec::CommuneAttributes {
                country: country()?,
                format,
                code_field: code_field()?,
                arrondissement_field: raw.arrondissement_field.clone(),
                intercommunality_code_field: raw.intercommunality_code_field.clone(),
                intercommunality_name_field: raw.intercommunality_name_field.clone(),
            },
            Kind::Population => SourceSpec::Population {
                country: country()?,
                format,
                code_field: code_field()?,
                year_field: need(raw.year_field.clone(), "year_field")?,
                population_field: need(raw.population_field.clone(), "population_field")?,
                name_nl_field: raw.name_nl_field.clone(),
                name_fr_field: raw.name_fr_field.clone(),
            },
            Kind::Services => {
                let category = match (&raw.category, &raw.category_field, &raw.vocabulary) {
                    (Some(fixed), None, None) => CategoryRule::Fixed(
                        observatory_core::ServiceCategory::parse(fixed).map_err(|e| format!("source {id:?}: {e}"))?,
                    ),
                    (None, Some(field), Some(vocabulary)) => {
                        CategoryRule::Field { field: field.clone(), vocabulary: vocabulary.clone() }
                    }
                    _ => {
                        return Err(format!(
                            "source {id:?} (services) needs either `category` or both `category_field` and `vocabulary`"
                        ))
                    }
                };
                let position = match (&raw.x_field, &raw.y_field) {
                    (Some(x), Some(y)) => PositionRule::Fields {
                        x: x.clone(),
                        y: y.clone(),
                        srid: raw.srid.unwrap_or(4326),
                    },
                    (None, None) => PositionRule::Geometry,
                    _ => {
                        return Err(format!(
                            "source {id:?}: `x_field` and `y_field` go together"
                        ))
                    }
                };
                let format = raw.format.unwrap_or(if raw.path.ends_with(".csv") {
                    FileFormat::Csv
                } else {
                    FileFormat::Geojson
                });
                if format == FileFormat::Csv && matches!(position, PositionRule::Geometry) {
                    return Err(format!(
                        "source {id:?}: a CSV source needs `x_field` and `y_field`"
                    ));
                }
                if raw.snapshot_field.is_none() && raw.observed_on.is_none() {
                    return Err(format!("source {id:?}: say when the source saw its services: `observed_on` (a date) or `snapshot_field`"));
                }
                SourceSpec::Services(ServiceSpec {
                    format,
                    csv: format_csv,
                    coverage,
                    id_field: raw.id_field.clone(),
                    name_field: raw.name_field.clone(),
                    address_fields: raw.address_fields.clone(),
                    commune_code_field: raw.commune_code_field.clone(),
                    category,
                    position,
                    snapshot_field: raw.snapshot_field.clone(),
                    observed_on: raw.observed_on,
                    status_field: raw.status_field.clone(),
                    attribute_fields: raw.attribute_fields.clone(),
                })
            }
            Kind::ServiceCounts => {
                let layout =
                    match raw.layout.as_deref() {
                        Some("wide") => CountLayout::Wide {
                            year: observatory_core::Year::new(raw.year.ok_or_else(|| {
                                format!("source {id:?} (wide counts) needs `year`")
                            })?)
                            .map_err(|e| format!("source {id:?}: {e}"))?,
                            skip_columns: raw.skip_columns.clone(),
                        },
                        Some("long") => CountLayout::Long {
                            category_field: need(raw.category_field.clone(), "category_field")?,
                            count_field: need(raw.count_field.clone(), "count_field")?,
                            year_field: need(raw.year_field.clone(), "year_field")?,
                        },
                        _ => {
                            return Err(format!(
                            "source {id:?} (service_counts) needs `layout` = \"wide\" or \"long\""
                        ))
                        }
                    };
                SourceSpec::ServiceCounts(CountSpec {
                    country: country()?,
                    csv: format_csv,
                    coverage,
                    code_field: code_field()?,
                    vocabulary: need(raw.vocabulary.clone(), "vocabulary")?,
                    layout,
                })
            }
            Kind::ServiceMeasures => {
                if raw.measure_fields.is_empty() {
                    return Err(format!(
                        "source {id:?} (service_measures) needs `measure_fields`"
                    ));
                }
                if raw.date_field.is_none() && raw.observed_on.is_none() {
                    return Err(format!(
                        "source {id:?}: say when: `observed_on` (a date) or `date_field`"
                    ));
                }
                SourceSpec::ServiceMeasures(MeasureSpec {
                    csv: format_csv,
                    of_source: need(raw.of_source.clone(), "of_source")?,
                    join_field: need(raw.join_field.clone(), "join_field")?,
                    date_field: raw.date_field.clone(),
                    observed_on: raw.observed_on,
                    measure_fields: raw.measure_fields.clone(),
                })
            }
        };
        if !inside(Path::new(&raw.path)) {
            return Err(format!(
                "source {id:?}: the path {:?} leads outside the data folder {}: give a path \
                 relative to it, without `..` above it (a symbolic link inside the folder may \
                 point elsewhere)",
                raw.path,
                data_dir.display()
            ));
        }
        let path = data_dir.join(&raw.path);
        if !path.is_file() {
            return Err(format!(
                "source {id:?}: the file {} does not exist",
                path.display()
            ));
        }
        Ok(Source {
            id: raw.id,
            title: raw.title,
            path,
            relative_path: raw.path,
            publisher: raw.publisher,
            licence: raw.licence,
            reference_date: raw.reference_date,
            spec,
        })
    }
}

/// Whether a relative path stays inside the folder it is relative to, read as written (no
/// root, no `..` above the folder).
fn inside(path: &Path) -> bool {
    let mut depth: usize = 0;
    for component in path.components() {
        match component {
            std::path::Component::Normal(_) => depth += 1,
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            std::path::Component::RootDir | std::path::Component::Prefix(_) => return false,
        }
    }
    depth > 0
}

#[cfg(test)]
mod tests {
    use super::inside;
    use std::path::Path;

    #[test]
    fn source_paths_stay_inside_the_data_folder() {
        for good in ["a.csv", "services/a.geojson", "./a.csv", "x/../a.csv"] {
            assert!(inside(Path::new(good)), "{good}");
        }
        for bad in ["/etc/passwd", "../a.csv", "x/../../a.csv", "", ".", "x/.."] {
            assert!(!inside(Path::new(bad)), "{bad}");
        }
    }
}
