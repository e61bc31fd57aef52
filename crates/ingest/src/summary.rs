use std::fmt;

use serde::Serialize;

use crate::manifest::Manifest;

/// What one ingest did, per source: the operator's receipt, also stored with the release.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub manifest: String,
    /// The region the manifest loads, if it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub sources: Vec<SourceSummary>,
    /// Seconds spent recomputing the indicators, when the ingest did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicators_seconds: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceSummary {
    pub id: String,
    /// Rows or features read from the file.
    pub read: u64,
    /// Rows written to the database.
    pub loaded: u64,
    /// Rows about communes outside the manifest's study area.
    pub skipped_outside_area: u64,
    /// Rows under a former code, counted in the commune that continues it.
    pub carried_to_successor: u64,
    /// Records refused (no coordinates, impossible date, far outside the area, duplicate id).
    pub rejected: u64,
    /// Services another source already described: one service, both provenances.
    pub merged: u64,
    /// Values the taxonomy deliberately maps to no category.
    pub ignored: u64,
    /// Values the taxonomy does not know, with their counts: to review.
    pub unknown_values: std::collections::BTreeMap<String, u64>,
    pub warnings: u64,
    /// Facts applied and anything else worth reading.
    pub notes: Vec<String>,
}

impl Summary {
    pub fn new(manifest: &Manifest) -> Summary {
        Summary {
            manifest: manifest.name.clone(),
            region: manifest.region.as_ref().map(|r| r.id.to_string()),
            sources: manifest
                .sources
                .iter()
                .map(|s| SourceSummary {
                    id: s.id.clone(),
                    ..SourceSummary::default()
                })
                .collect(),
            indicators_seconds: None,
        }
    }

    pub fn source(&mut self, id: &str) -> &mut SourceSummary {
        let index = self
            .sources
            .iter()
            .position(|s| s.id == id)
            .unwrap_or_else(|| {
                self.sources.push(SourceSummary {
                    id: id.to_owned(),
                    ..SourceSummary::default()
                });
                self.sources.len() - 1
            });
        &mut self.sources[index]
    }

    pub fn get(&self, id: &str) -> Option<&SourceSummary> {
        self.sources.iter().find(|s| s.id == id)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.region {
            Some(region) => writeln!(f, "{} (region {region})", self.manifest)?,
            None => writeln!(f, "{}", self.manifest)?,
        }
        writeln!(
            f,
            "{:<30} {:>8} {:>8} {:>7} {:>8} {:>8} {:>8} {:>10}",
            "source", "read", "loaded", "merged", "rejected", "ignored", "outside", "successor"
        )?;
        for s in &self.sources {
            writeln!(
                f,
                "{:<30} {:>8} {:>8} {:>7} {:>8} {:>8} {:>8} {:>10}",
                s.id,
                s.read,
                s.loaded,
                s.merged,
                s.rejected,
                s.ignored,
                s.skipped_outside_area,
                s.carried_to_successor
            )?;
            for note in &s.notes {
                writeln!(f, "    {note}")?;
            }
            if !s.unknown_values.is_empty() {
                writeln!(f, "    values the taxonomy does not know (not loaded; map them in data/taxonomy.toml):")?;
                for (value, count) in &s.unknown_values {
                    writeln!(f, "      {count:>7}  {value}")?;
                }
            }
        }
        if let Some(seconds) = self.indicators_seconds {
            writeln!(f, "indicators recomputed in {seconds:.2} s")?;
        }
        Ok(())
    }
}
