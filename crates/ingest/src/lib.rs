//! Ingest: reads the sources a manifest names, harmonises them with the facts recorded in
//! `data/` (commune changes, bilingual names, arrondissements) and loads them into PostGIS
//! in one transaction. A failure leaves the database exactly as it was; loading the same
//! release again replaces it.

mod communes;
mod error;
mod facts;
mod manifest;
mod population;
mod progress;
mod read;
mod store;
mod summary;

use std::path::PathBuf;

use sqlx::PgPool;

pub use error::{IngestError, Location};
pub use manifest::Manifest;
pub use summary::{SourceSummary, Summary};

/// What to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub manifest: PathBuf,
    /// Overrides the manifest's `data_dir`.
    pub data_dir: Option<PathBuf>,
    /// Show a progress bar on the terminal.
    pub progress: bool,
}

/// Reads every source of the manifest, then writes everything in one transaction.
pub async fn run(pool: &PgPool, options: &IngestOptions) -> Result<Summary, IngestError> {
    let manifest = Manifest::load(&options.manifest, options.data_dir.as_deref())?;
    let progress = progress::Progress::new(options.progress, manifest.sources.len() as u64 + 1);
    let mut summary = Summary::new(&manifest);

    let facts = facts::Facts::load(&manifest)?;
    let communes = communes::read_all(&manifest, &facts, &mut summary, &progress)?;
    let population = population::read_all(&manifest, &facts, &communes, &mut summary, &progress)?;
    let mut communes = communes::with_population_names(communes, &population);
    communes::apply_name_facts(&mut communes, &facts);

    progress.stage("writing to the database");
    store::write(pool, &manifest, &facts, &communes, &population.rows, &summary).await?;
    progress.finish();
    Ok(summary)
}
