//! Communes from boundary sources, completed with attribute sources and the recorded facts.

use std::collections::BTreeMap;

use geo::Validation;
use observatory_core::CommuneCode;

use crate::facts::{Facts, Names};
use crate::manifest::{Language, Manifest, Source, SourceSpec};
use crate::population::Population;
use crate::progress::Progress;
use crate::read::{property, property_text, read_feature_collection, CsvTable};
use crate::summary::Summary;
use crate::{IngestError, Location};

#[derive(Debug, Clone)]
pub struct Commune {
    pub code: CommuneCode,
    /// Official name, in the commune's own language.
    pub name: String,
    pub names: Names,
    pub arrondissement: Option<ArrondissementRef>,
    pub intercommunality: Option<(String, String)>,
    pub source_id: String,
    /// RFC 7946 geometry, checked valid, as GeoJSON text for PostGIS.
    pub geometry: String,
}

#[derive(Debug, Clone)]
pub struct ArrondissementRef {
    pub code: String,
    pub name_nl: Option<String>,
    pub name_fr: Option<String>,
}

pub type Communes = BTreeMap<CommuneCode, Commune>;

pub fn read_all(
    manifest: &Manifest,
    facts: &Facts,
    summary: &mut Summary,
    progress: &Progress,
) -> Result<Communes, IngestError> {
    let mut communes = Communes::new();
    for source in manifest.sources_of(|s| matches!(s, SourceSpec::Boundaries { .. })) {
        progress.stage(&source.id);
        read_boundaries(manifest, source, &mut communes, summary)?;
    }
    for commune in communes.values_mut() {
        if let Some(a) = facts.arrondissement_by_prefix(&commune.code) {
            commune.arrondissement = Some(ArrondissementRef {
                code: a.code.clone(),
                name_nl: Some(a.name_nl.clone()),
                name_fr: Some(a.name_fr.clone()),
            });
        }
    }
    for source in manifest.sources_of(|s| matches!(s, SourceSpec::CommuneAttributes { .. })) {
        progress.stage(&source.id);
        read_attributes(manifest, facts, source, &mut communes, summary)?;
    }
    Ok(communes)
}

/// Fills names the boundaries lacked from the population source's latest year, then
/// applies the reviewed names of `data/`, which win over every source.
pub fn with_population_names(mut communes: Communes, population: &Population) -> Communes {
    for commune in communes.values_mut() {
        if let Some(names) = population.latest_names.get(&commune.code) {
            if commune.names.nl.is_none() {
                commune.names.nl.clone_from(&names.nl);
            }
            if commune.names.fr.is_none() {
                commune.names.fr.clone_from(&names.fr);
            }
        }
    }
    communes
}

pub fn apply_name_facts(communes: &mut Communes, facts: &Facts) {
    for (code, names) in &facts.names {
        if let Some(commune) = communes.get_mut(code) {
            if names.nl.is_some() {
                commune.names.nl.clone_from(&names.nl);
            }
            if names.fr.is_some() {
                commune.names.fr.clone_from(&names.fr);
            }
        }
    }
}

fn read_boundaries(
    manifest: &Manifest,
    source: &Source,
    communes: &mut Communes,
    summary: &mut Summary,
) -> Result<(), IngestError> {
    let SourceSpec::Boundaries {
        country,
        code_field,
        name_field,
        name_language,
        name_nl_field,
        name_fr_field,
    } = &source.spec
    else {
        return Ok(());
    };
    let path = &source.path;
    let features = read_feature_collection(path)?;
    let stats = summary.source(&source.id);
    for (index, feature) in features.iter().enumerate() {
        stats.read += 1;
        let at = |code: Option<&str>| Location::Feature {
            index,
            code: code.map(str::to_owned),
        };
        let raw_code = property_text(feature, code_field)
            .map_err(|e| IngestError::input(path, at(None), Some(code_field), e))?
            .ok_or_else(|| {
                IngestError::input(path, at(None), Some(code_field), "missing commune code")
            })?;
        let code = CommuneCode::parse(*country, &raw_code)
            .map_err(|e| IngestError::input(path, at(None), Some(code_field), e.to_string()))?;
        if !manifest.in_area(&code) {
            stats.skipped_outside_area += 1;
            continue;
        }
        let name = property_text(feature, name_field)
            .map_err(|e| IngestError::input(path, at(Some(&raw_code)), Some(name_field), e))?
            .ok_or_else(|| {
                IngestError::input(path, at(Some(&raw_code)), Some(name_field), "missing name")
            })?;
        let geometry = polygon_geometry(feature).map_err(|message| {
            IngestError::input(path, at(Some(&raw_code)), Some("geometry"), message)
        })?;
        let mut names = Names::default();
        match name_language {
            Language::Nl => names.nl = Some(name.clone()),
            Language::Fr => names.fr = Some(name.clone()),
        }
        if let Some(field) = name_nl_field {
            names.nl = property(feature, field).or(names.nl);
        }
        if let Some(field) = name_fr_field {
            names.fr = property(feature, field).or(names.fr);
        }
        if let Some(existing) = communes.get(&code) {
            return Err(IngestError::input(
                path,
                at(Some(&raw_code)),
                Some(code_field),
                format!(
                    "commune {} is already defined by source {}",
                    code.id(),
                    existing.source_id
                ),
            ));
        }
        communes.insert(
            code.clone(),
            Commune {
                code,
                name,
                names,
                arrondissement: None,
                intercommunality: None,
                source_id: source.id.clone(),
                geometry,
            },
        );
        stats.loaded += 1;
    }
    Ok(())
}

/// The feature's geometry as GeoJSON text, if it is a valid (Multi)Polygon.
pub(crate) fn polygon_geometry(feature: &geojson::Feature) -> Result<String, String> {
    let geometry = feature
        .geometry
        .as_ref()
        .ok_or("the feature has no geometry")?;
    let shape: geo::Geometry<f64> = geo::Geometry::try_from(geometry.clone())
        .map_err(|e| format!("unreadable geometry: {e}"))?;
    match &shape {
        geo::Geometry::Polygon(p) => p
            .check_validation()
            .map_err(|e| format!("invalid polygon: {e}"))?,
        geo::Geometry::MultiPolygon(p) => p
            .check_validation()
            .map_err(|e| format!("invalid polygon: {e}"))?,
        other => {
            return Err(format!(
                "expected a Polygon or MultiPolygon, found {}",
                geometry_type(other)
            ))
        }
    }
    let in_range = geo::CoordsIter::coords_iter(&shape)
        .all(|c| (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y));
    if !in_range {
        return Err(
            "coordinates outside longitude/latitude range: RFC 7946 GeoJSON must be in EPSG:4326"
                .into(),
        );
    }
    serde_json::to_string(geometry).map_err(|e| e.to_string())
}

fn geometry_type(g: &geo::Geometry<f64>) -> &'static str {
    match g {
        geo::Geometry::Point(_) => "a Point",
        geo::Geometry::Line(_) | geo::Geometry::LineString(_) => "a LineString",
        geo::Geometry::MultiPoint(_) => "a MultiPoint",
        geo::Geometry::MultiLineString(_) => "a MultiLineString",
        geo::Geometry::GeometryCollection(_) => "a GeometryCollection",
        _ => "another geometry type",
    }
}

fn read_attributes(
    manifest: &Manifest,
    facts: &Facts,
    source: &Source,
    communes: &mut Communes,
    summary: &mut Summary,
) -> Result<(), IngestError> {
    let SourceSpec::CommuneAttributes {
        country,
        format,
        code_field,
        arrondissement_field,
        intercommunality_code_field,
        intercommunality_name_field,
    } = &source.spec
    else {
        return Ok(());
    };
    let mut table = CsvTable::open(&source.path, *format)?;
    let code_col = table.column(code_field)?;
    let arr_col = table.optional_column(arrondissement_field.as_deref())?;
    let ic_code_col = table.optional_column(intercommunality_code_field.as_deref())?;
    let ic_name_col = table.optional_column(intercommunality_name_field.as_deref())?;
    let stats = summary.source(&source.id);
    let mut matched = std::collections::BTreeSet::new();
    table.for_each_row(|row| {
        stats.read += 1;
        let code = CommuneCode::parse(*country, row.require(code_col, code_field)?)
            .map_err(|e| row.error(code_field, e.to_string()))?;
        let Some(commune) = communes.get_mut(&code) else {
            if manifest.in_area(&code) {
                return Err(row.error(
                    code_field,
                    format!("commune {} is in the study area but in no boundary source; record the change in the facts if it merged or was recoded", code.id()),
                ));
            }
            stats.skipped_outside_area += 1;
            return Ok(());
        };
        if let Some(col) = arr_col {
            if let Some(arr_code) = row.get(col) {
                let named = facts.arrondissement(code.country(), arr_code);
                commune.arrondissement = Some(ArrondissementRef {
                    code: arr_code.to_owned(),
                    name_nl: named.map(|a| a.name_nl.clone()),
                    name_fr: named.map(|a| a.name_fr.clone()),
                });
            }
        }
        if let (Some(c), Some(n)) = (ic_code_col, ic_name_col) {
            if let (Some(ic_code), Some(ic_name)) = (row.get(c), row.get(n)) {
                commune.intercommunality = Some((ic_code.to_owned(), ic_name.to_owned()));
            }
        }
        matched.insert(code);
        stats.loaded += 1;
        Ok(())
    })?;

    // A commune absorbed since the boundary layer's date has no row of its own: its
    // arrondissement and intercommunality are those of the commune that continues it.
    let orphans: Vec<CommuneCode> = communes
        .keys()
        .filter(|c| c.country() == *country && !matched.contains(*c))
        .cloned()
        .collect();
    for code in orphans {
        let Some(change) = facts
            .changes
            .iter()
            .find(|c| c.old == code && c.new != code)
        else {
            stats.notes.push(format!(
                "{}: no row in this source; arrondissement and intercommunality not known",
                code.id()
            ));
            continue;
        };
        let successor = communes
            .get(&change.new)
            .map(|s| (s.arrondissement.clone(), s.intercommunality.clone()));
        if let (Some((arrondissement, intercommunality)), Some(commune)) =
            (successor, communes.get_mut(&code))
        {
            commune.arrondissement = arrondissement;
            commune.intercommunality = intercommunality;
            stats.notes.push(format!(
                "{} {}: attributes of its successor {} {} ({} {})",
                code.id(),
                change.old_name,
                change.new.id(),
                change.new_name,
                change.kind.as_str(),
                change.effective
            ));
        }
    }
    Ok(())
}
