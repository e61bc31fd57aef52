//! Ingest: reads the sources a manifest names, harmonises them with the facts recorded in
//! `data/` (commune changes, bilingual names, arrondissements, the service taxonomy) and
//! loads them into PostGIS in one transaction. A failure leaves the database exactly as
//! it was; loading the same release again replaces it.

mod communes;
mod error;
mod facts;
mod indicators;
mod manifest;
mod population;
mod progress;
mod quick;
mod read;
mod services;
mod store;
mod sub_municipalities;
mod summary;
mod taxonomy;

use observatory_core::ServiceCategory;
use std::path::PathBuf;
use std::sync::Arc;

use sqlx::PgPool;

pub use error::{IngestError, Location};
pub use manifest::{CategoryRule, Manifest, Region};
pub use quick::QuickImport;
pub use summary::{SourceSummary, Summary};
pub use taxonomy::Taxonomy;

/// What to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub manifest: PathBuf,
    /// Overrides the manifest's `data_dir`.
    pub data_dir: Option<PathBuf>,
    /// Show a progress bar on the terminal.
    pub progress: bool,
}

/// Reads every source of the manifest and writes everything in one transaction.
pub async fn run(pool: &PgPool, options: &IngestOptions) -> Result<Summary, IngestError> {
    let manifest = Manifest::load(&options.manifest, options.data_dir.as_deref())?;
    load(pool, &manifest, options.progress, None).await
}

/// Loads one file of service points described on the command line, with the same checks.
/// A file none of whose records is loaded is a failed import
/// ([`IngestError::NothingLoaded`]): nothing is written, not even the removal of what the
/// source id held before.
pub async fn run_quick(
    pool: &PgPool,
    import: &QuickImport,
    progress: bool,
) -> Result<Summary, IngestError> {
    // What the command line says first, then what the database holds.
    let manifest = import.manifest()?;
    import.check_taxonomy(&Taxonomy::load(&import.taxonomy)?)?;
    let communes: i64 = sqlx::query_scalar("SELECT count(*) FROM commune")
        .fetch_one(pool)
        .await
        .map_err(IngestError::database("counting communes"))?;
    if communes == 0 {
        return Err(import.error(
            "no commune is loaded yet, so none of its services can be placed: run \
             `observatory ingest` first (it loads the manifest, data/manifests/westhoek.toml \
             unless you name another, with the communes), then this import again"
                .into(),
        ));
    }
    load(pool, &manifest, progress, Some(import)).await
}

async fn load(
    pool: &PgPool,
    manifest: &Manifest,
    show_progress: bool,
    quick: Option<&QuickImport>,
) -> Result<Summary, IngestError> {
    use manifest::SourceSpec;
    let progress = progress::Progress::new(show_progress, manifest.sources.len() as u64 + 1);
    let mut summary = Summary::new(manifest);
    let facts = facts::Facts::load(manifest)?;
    let taxonomy = match &manifest.facts.taxonomy {
        Some(path) => Some(Arc::new(Taxonomy::load(path)?)),
        None => None,
    };
    let needs_taxonomy = manifest.sources.iter().any(|s| {
        matches!(
            s.spec,
            SourceSpec::Services(_) | SourceSpec::ServiceCounts(_)
        )
    });
    if needs_taxonomy && taxonomy.is_none() {
        return Err(IngestError::Manifest {
            path: manifest.path.clone(),
            message: "service sources need the taxonomy: set `taxonomy` in [facts]".into(),
        });
    }
    check_vocabularies(manifest, taxonomy.as_deref())?;

    let has_communes = manifest
        .sources
        .iter()
        .any(|s| matches!(s.spec, SourceSpec::Boundaries { .. }));
    let communes = if has_communes {
        communes::read_all(manifest, &facts, &mut summary, &progress)?
    } else {
        Default::default()
    };
    let population = if has_communes {
        population::read_all(manifest, &facts, &communes, &mut summary, &progress)?
    } else {
        Default::default()
    };
    let mut communes = communes::with_population_names(communes, &population);
    communes::apply_name_facts(&mut communes, &facts);
    let parts = sub_municipalities::read_all(manifest, &facts, &communes, &mut summary)?;
    let definitions = match &manifest.facts.indicators {
        Some(path) => Some(indicators::load(path)?),
        None => None,
    };

    let db = IngestError::database;
    let mut tx = pool.begin().await.map_err(db("opening a transaction"))?;
    // What the indicators need afterwards. A load without indicator facts (a quick import)
    // still changes what they count and measure: once a release has defined them, they
    // are recomputed in this transaction too, so no figure is left describing the
    // services before it; a load of service points only recomputes the categories it
    // touched (those its sources had before it, and those they have after).
    let source_ids: Vec<String> = manifest.sources.iter().map(|s| s.id.clone()).collect();
    let only_points = manifest
        .sources
        .iter()
        .all(|s| matches!(s.spec, SourceSpec::Services(_)));
    let mut refresh = if definitions.is_some() {
        Refresh::All
    } else if !store::indicators_defined(&mut tx).await? {
        Refresh::Nothing
    } else if only_points {
        Refresh::Categories(store::source_categories(&mut tx, &source_ids).await?)
    } else {
        Refresh::All
    };
    if let Some(region) = &manifest.region {
        store::write_region(&mut tx, manifest, region).await?;
    }
    store::write_sources(&mut tx, manifest).await?;
    if has_communes {
        progress.stage("writing communes");
        store::write_communes(&mut tx, manifest, &facts, &communes, &population.rows).await?;
        store::write_sub_municipalities(&mut tx, manifest, &parts).await?;
    }
    if let Some(taxonomy) = &taxonomy {
        store::write_taxonomy(&mut tx, taxonomy).await?;
        let mut places = services::Places::default();
        for source in &manifest.sources {
            match source.spec {
                SourceSpec::Services(_) => {
                    progress.stage(&source.id);
                    let categories =
                        services::load_source(&mut tx, source, taxonomy, &mut places, &mut summary)
                            .await?;
                    if let Refresh::Categories(touched) = &mut refresh {
                        touched.extend(categories);
                    }
                }
                SourceSpec::ServiceCounts(_) => {
                    progress.stage(&source.id);
                    services::load_counts(
                        &mut tx,
                        manifest,
                        &facts,
                        &communes,
                        source,
                        taxonomy,
                        &mut summary,
                    )
                    .await?;
                }
                _ => {}
            }
        }
    }
    if let Some(import) = quick {
        if let Some(message) = import.nothing_loaded(summary.get(&import.source_id)) {
            // Dropping the transaction rolls it back.
            return Err(IngestError::NothingLoaded {
                path: import.file.clone(),
                message,
                summary: Box::new(summary),
            });
        }
    }
    for source in manifest.sources_of(|s| matches!(s, SourceSpec::ServiceMeasures(_))) {
        progress.stage(&source.id);
        services::load_measures(&mut tx, source, &mut summary).await?;
    }
    if let Some(definitions) = &definitions {
        store::write_indicator_definitions(&mut tx, definitions).await?;
    }
    // The categories are known in full only now (those the sources have after the load,
    // as each load_source returned them).
    let refresh = match refresh {
        Refresh::Categories(mut categories) => {
            categories.sort();
            categories.dedup();
            // Rewriting rows in place (indexes and keys kept row by row) cost 2.4 times
            // writing every row afresh (9.5 s against 4 s with every category touched, in
            // the ingest benchmark): past a third of the categories, the full refresh is
            // the cheaper one.
            let all = taxonomy.as_ref().map_or(0, |t| t.categories.len());
            if categories.len() * 3 > all {
                Refresh::All
            } else {
                Refresh::Categories(categories)
            }
        }
        other => other,
    };
    if !matches!(refresh, Refresh::Nothing) {
        progress.stage("computing indicators");
        let started = std::time::Instant::now();
        sqlx::raw_sql(include_str!("sql/analyze_loaded.sql"))
            .execute(&mut *tx)
            .await
            .map_err(db("analyzing the loaded tables"))?;
        match &refresh {
            Refresh::Categories(categories) => {
                observatory_core::indicators::refresh_categories(&mut tx, categories).await
            }
            _ => observatory_core::indicators::refresh_all(&mut tx).await,
        }
        .map_err(db("computing indicators"))?;
        summary.indicators_seconds = Some(started.elapsed().as_secs_f64());
    }
    // A source with no record at all is a file cut short or the wrong file, not news.
    for source in &manifest.sources {
        if summary.get(&source.id).is_none_or(|s| s.read == 0) {
            return Err(IngestError::input(
                &source.path,
                Location::File,
                None,
                format!(
                    "source {:?} holds no record (only a header, or an empty collection): \
                     nothing was written",
                    source.id
                ),
            ));
        }
    }
    store::write_release(&mut tx, manifest, &summary).await?;
    tx.commit().await.map_err(db("committing"))?;
    progress.finish();
    Ok(summary)
}

/// How an ingest brings the indicators up to date.
enum Refresh {
    /// No release has defined them yet.
    Nothing,
    /// Every indicator of every commune.
    All,
    /// The indicators fed by these categories' services: those the loaded sources had
    /// before the load, then those each source has after it (as `load_source` returns them).
    Categories(Vec<ServiceCategory>),
}

/// A vocabulary name the taxonomy does not know is a typo in the manifest.
fn check_vocabularies(manifest: &Manifest, taxonomy: Option<&Taxonomy>) -> Result<(), IngestError> {
    let Some(taxonomy) = taxonomy else {
        return Ok(());
    };
    for source in &manifest.sources {
        let vocabulary = match &source.spec {
            manifest::SourceSpec::Services(spec) => match &spec.category {
                manifest::CategoryRule::Field { vocabulary, .. } => Some(vocabulary),
                manifest::CategoryRule::Fixed(category) => {
                    if taxonomy.category(category.as_str()).is_none() {
                        return Err(IngestError::Manifest {
                            path: manifest.path.clone(),
                            message: format!(
                                "source {:?}: the taxonomy has no category {category:?}",
                                source.id
                            ),
                        });
                    }
                    None
                }
            },
            manifest::SourceSpec::ServiceCounts(spec) => Some(&spec.vocabulary),
            _ => None,
        };
        if let Some(vocabulary) = vocabulary {
            if !taxonomy.has_vocabulary(vocabulary) {
                return Err(IngestError::Manifest {
                    path: manifest.path.clone(),
                    message: format!(
                        "source {:?}: the taxonomy has no vocabulary {vocabulary:?}",
                        source.id
                    ),
                });
            }
        }
    }
    Ok(())
}
