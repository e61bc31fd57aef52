//! Sub-municipalities (Belgian deelgemeenten): where access is measured from in Belgium.

use chrono::NaiveDate;
use observatory_core::CommuneCode;

use crate::communes::{polygon_geometry, Communes};
use crate::facts::Facts;
use crate::manifest::{Manifest, SourceSpec};
use crate::read::{property_text, read_feature_collection};
use crate::summary::Summary;
use crate::{IngestError, Location};

#[derive(Debug, Clone)]
pub struct SubMunicipality {
    pub code: String,
    pub name: String,
    pub commune: CommuneCode,
    pub source_id: String,
    pub geometry: String,
}

pub fn read_all(
    manifest: &Manifest,
    facts: &Facts,
    communes: &Communes,
    summary: &mut Summary,
) -> Result<Vec<SubMunicipality>, IngestError> {
    // Codes are followed through every recorded change to the commune that continues them.
    let since_always = NaiveDate::MIN;
    let mut parts = Vec::new();
    // Each code once, across sources: code → the feature that gave it first.
    let mut seen = std::collections::HashMap::new();
    for source in &manifest.sources {
        let SourceSpec::SubMunicipalities {
            country,
            code_field,
            name_field,
        } = &source.spec
        else {
            continue;
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
            let code = property_text(feature, code_field)
                .map_err(|e| IngestError::input(path, at(None), Some(code_field), e))?
                .ok_or_else(|| {
                    IngestError::input(
                        path,
                        at(None),
                        Some(code_field),
                        "missing sub-municipality code",
                    )
                })?;
            let parent = code
                .get(..5)
                .ok_or_else(|| {
                    IngestError::input(
                        path,
                        at(Some(&code)),
                        Some(code_field),
                        "too short: a commune code and a letter",
                    )
                })
                .and_then(|p| {
                    CommuneCode::parse(*country, p).map_err(|e| {
                        IngestError::input(path, at(Some(&code)), Some(code_field), e.to_string())
                    })
                })?;
            let Some((commune, carried)) = facts.resolve(&parent, since_always, communes) else {
                if manifest.in_area(&parent) {
                    return Err(IngestError::input(
                        path,
                        at(Some(&code)),
                        Some(code_field),
                        format!(
                            "commune {} matches no commune, and no recorded change explains it",
                            parent.id()
                        ),
                    ));
                }
                stats.skipped_outside_area += 1;
                continue;
            };
            if carried {
                stats.carried_to_successor += 1;
            }
            let name = property_text(feature, name_field)
                .map_err(|e| IngestError::input(path, at(Some(&code)), Some(name_field), e))?
                .ok_or_else(|| {
                    IngestError::input(path, at(Some(&code)), Some(name_field), "missing name")
                })?;
            let geometry = polygon_geometry(feature).map_err(|message| {
                IngestError::input(path, at(Some(&code)), Some("geometry"), message)
            })?;
            if let Some(first) = seen.insert(code.clone(), index) {
                return Err(IngestError::input(
                    path,
                    at(Some(&code)),
                    Some(code_field),
                    format!("sub-municipality {code} is already given by feature {first}"),
                ));
            }
            parts.push(SubMunicipality {
                code,
                name,
                commune,
                source_id: source.id.clone(),
                geometry,
            });
            stats.loaded += 1;
        }
    }
    Ok(parts)
}
