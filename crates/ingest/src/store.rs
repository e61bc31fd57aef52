//! Writes a harmonised release in one transaction: either all of it lands, or nothing.

use sqlx::PgConnection;

use crate::communes::Communes;
use crate::facts::Facts;
use crate::indicators::Definition;
use crate::manifest::{Manifest, Region, SourceSpec};
use crate::population::PopulationRow;
use crate::sub_municipalities::SubMunicipality;
use crate::summary::Summary;
use crate::taxonomy::Taxonomy;
use crate::IngestError;
use observatory_core::ServiceCategory;

/// Records the region the manifest loads, once no source of it belongs to another region.
pub async fn write_region(
    tx: &mut PgConnection,
    manifest: &Manifest,
    region: &Region,
) -> Result<(), IngestError> {
    let db = IngestError::database;
    let ids: Vec<&str> = manifest.sources.iter().map(|s| s.id.as_str()).collect();
    let taken: Vec<(String, String)> =
        sqlx::query_as(include_str!("sql/sources_of_other_regions.sql"))
            .bind(&ids)
            .bind(region.id.as_str())
            .fetch_all(&mut *tx)
            .await
            .map_err(db("reading which region each source belongs to"))?;
    if !taken.is_empty() {
        let list: Vec<String> = taken
            .iter()
            .map(|(source, other)| format!("{source:?} (region {other})"))
            .collect();
        return Err(IngestError::Region {
            path: manifest.path.clone(),
            message: format!(
                "region {} names sources that another region loaded: {}; a load replaces \
                 every row of its sources, so give this manifest's sources ids of their own \
                 (e.g. prefixed with the region's id)",
                region.id,
                list.join(", ")
            ),
        });
    }
    sqlx::query(include_str!("sql/upsert_region.sql"))
        .bind(region.id.as_str())
        .bind(&region.name_nl)
        .bind(&region.name_fr)
        .bind(&region.name_en)
        .bind(region.view.map(Vec::from))
        .bind(manifest.path.display().to_string())
        .execute(&mut *tx)
        .await
        .map_err(db("recording the region"))?;
    Ok(())
}

/// Records every source of the manifest (provenance for all that follows), in the
/// manifest's region.
pub async fn write_sources(tx: &mut PgConnection, manifest: &Manifest) -> Result<(), IngestError> {
    let db = IngestError::database;
    let region = manifest.region.as_ref().map(|r| r.id.as_str());
    for source in &manifest.sources {
        sqlx::query(include_str!("sql/upsert_source.sql"))
            .bind(&source.id)
            .bind(&source.title)
            .bind(&source.relative_path)
            .bind(&source.publisher)
            .bind(&source.licence)
            .bind(&source.reference_date)
            .bind(region)
            .execute(&mut *tx)
            .await
            .map_err(db("recording the sources"))?;
    }
    Ok(())
}

/// How many communes of another region an error lists.
const CLASH_EXAMPLES: i64 = 5;

/// Replaces the communes and population series of the manifest's region and sources;
/// other regions' communes stay as they are.
pub async fn write_communes(
    tx: &mut PgConnection,
    manifest: &Manifest,
    facts: &Facts,
    communes: &Communes,
    population: &[PopulationRow],
) -> Result<(), IngestError> {
    let db = IngestError::database;
    let replaced: Vec<String> = manifest
        .sources
        .iter()
        .filter(|s| {
            matches!(
                s.spec,
                SourceSpec::Boundaries { .. } | SourceSpec::Population { .. }
            )
        })
        .map(|s| s.id.clone())
        .collect();
    let region = manifest.region.as_ref().map(|r| r.id.as_str());
    sqlx::query(include_str!("sql/delete_release.sql"))
        .bind(&replaced)
        .bind(region)
        .execute(&mut *tx)
        .await
        .map_err(db(
            "removing the previous load of this region and these sources",
        ))?;

    check_communes_free(&mut *tx, manifest, communes).await?;
    insert_communes(&mut *tx, communes, region).await?;
    insert_population(&mut *tx, population).await?;
    insert_changes(&mut *tx, facts).await?;

    sqlx::query(include_str!("sql/refresh_latest_population.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("computing the latest population"))?;
    sqlx::query(include_str!("sql/clear_national_border.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("clearing the national border"))?;
    sqlx::query(include_str!("sql/refresh_national_border.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("deriving the national border"))?;
    sqlx::query(include_str!("sql/refresh_commune_parts.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("splitting commune outlines"))?;
    sqlx::query(include_str!("sql/refresh_study_area.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("widening the study area"))?;
    if let Some(region) = region {
        sqlx::query(include_str!("sql/refresh_region.sql"))
            .bind(region)
            .execute(&mut *tx)
            .await
            .map_err(db("outlining the region"))?;
    }
    sqlx::query(include_str!("sql/relocate_services.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("finding the communes of existing services"))?;
    Ok(())
}

/// Stores the taxonomy's groups and categories (labels may change between releases).
pub async fn write_taxonomy(tx: &mut PgConnection, taxonomy: &Taxonomy) -> Result<(), IngestError> {
    let db = IngestError::database;
    // Positions follow the file, for readers that list the taxonomy in its order.
    for (position, g) in (0i32..).zip(&taxonomy.groups) {
        sqlx::query(include_str!("sql/upsert_group.sql"))
            .bind(&g.id)
            .bind(&g.label.nl)
            .bind(&g.label.fr)
            .bind(&g.label.en)
            .bind(position)
            .execute(&mut *tx)
            .await
            .map_err(db("recording service groups"))?;
    }
    for (position, c) in (0i32..).zip(&taxonomy.categories) {
        sqlx::query(include_str!("sql/upsert_category.sql"))
            .bind(c.id.as_str())
            .bind(&c.group)
            .bind(&c.label.nl)
            .bind(&c.label.fr)
            .bind(&c.label.en)
            .bind(c.everyday_basket)
            .bind(position)
            .execute(&mut *tx)
            .await
            .map_err(db("recording service categories"))?;
    }
    Ok(())
}

/// Replaces the sub-municipalities, then the points access is measured from.
pub async fn write_sub_municipalities(
    tx: &mut PgConnection,
    manifest: &Manifest,
    parts: &[SubMunicipality],
) -> Result<(), IngestError> {
    let db = IngestError::database;
    let sources: Vec<&str> = manifest
        .sources
        .iter()
        .filter(|s| matches!(s.spec, SourceSpec::SubMunicipalities { .. }))
        .map(|s| s.id.as_str())
        .collect();
    sqlx::query("DELETE FROM sub_municipality WHERE source_id = ANY($1)")
        .bind(&sources)
        .execute(&mut *tx)
        .await
        .map_err(db("replacing sub-municipalities"))?;
    sqlx::query(include_str!("sql/insert_sub_municipalities.sql"))
        .bind(parts.iter().map(|p| p.code.as_str()).collect::<Vec<_>>())
        .bind(parts.iter().map(|p| p.name.as_str()).collect::<Vec<_>>())
        .bind(
            parts
                .iter()
                .map(|p| p.commune.country().iso2())
                .collect::<Vec<_>>(),
        )
        .bind(parts.iter().map(|p| p.commune.code()).collect::<Vec<_>>())
        .bind(
            parts
                .iter()
                .map(|p| p.source_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            parts
                .iter()
                .map(|p| p.geometry.as_str())
                .collect::<Vec<_>>(),
        )
        .execute(&mut *tx)
        .await
        .map_err(db("inserting sub-municipalities"))?;
    sqlx::raw_sql(include_str!("sql/refresh_access_origins.sql"))
        .execute(&mut *tx)
        .await
        .map_err(db("placing access origins"))?;
    Ok(())
}

/// Whether the database holds indicator definitions (a release was loaded).
pub async fn indicators_defined(tx: &mut PgConnection) -> Result<bool, IngestError> {
    sqlx::query_scalar(include_str!("sql/indicators_defined.sql"))
        .fetch_one(&mut *tx)
        .await
        .map_err(IngestError::database("reading the indicator definitions"))
}

/// The categories of the services the given sources describe now.
pub async fn source_categories(
    tx: &mut PgConnection,
    sources: &[String],
) -> Result<Vec<ServiceCategory>, IngestError> {
    const DOING: &str = "reading the categories of the loaded sources";
    let names: Vec<String> = sqlx::query_scalar(include_str!("sql/source_categories.sql"))
        .bind(sources)
        .fetch_all(&mut *tx)
        .await
        .map_err(IngestError::database(DOING))?;
    categories_read(names, DOING)
}

/// Category ids read back from the database, which only holds taxonomy ids.
pub(crate) fn categories_read(
    names: Vec<String>,
    doing: &'static str,
) -> Result<Vec<ServiceCategory>, IngestError> {
    names
        .into_iter()
        .map(|name| {
            ServiceCategory::try_from(name).map_err(|e| IngestError::Database {
                doing,
                error: sqlx::Error::Decode(Box::new(e)),
            })
        })
        .collect()
}

/// Stores the indicator definitions.
pub async fn write_indicator_definitions(
    tx: &mut PgConnection,
    definitions: &[Definition],
) -> Result<(), IngestError> {
    for d in definitions {
        sqlx::query(include_str!("sql/upsert_indicator.sql"))
            .bind(&d.id)
            .bind(&d.name.nl)
            .bind(&d.name.fr)
            .bind(&d.name.en)
            .bind(&d.definition.nl)
            .bind(&d.definition.fr)
            .bind(&d.definition.en)
            .bind(&d.unit)
            .bind(d.per_category)
            .bind(&d.sources)
            .bind(&d.reference)
            .bind(&d.licence)
            .bind(&d.method)
            .execute(&mut *tx)
            .await
            .map_err(IngestError::database("recording indicator definitions"))?;
    }
    Ok(())
}

/// Records the release; its id is the new data version.
pub async fn write_release(
    tx: &mut PgConnection,
    manifest: &Manifest,
    summary: &Summary,
) -> Result<i64, IngestError> {
    let db = IngestError::database;
    let summary_json = serde_json::to_value(summary).unwrap_or(serde_json::Value::Null);
    let release: i64 = sqlx::query_scalar(include_str!("sql/insert_release.sql"))
        .bind(manifest.path.display().to_string())
        .bind(&manifest.name)
        .bind(summary_json)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("recording the release"))?;
    Ok(release)
}

/// A commune belongs to one region: one that another region (or other sources) loaded is
/// refused, naming who holds it, rather than failing on the table's key.
async fn check_communes_free(
    tx: &mut sqlx::PgConnection,
    manifest: &Manifest,
    communes: &Communes,
) -> Result<(), IngestError> {
    let countries: Vec<&str> = communes.keys().map(|c| c.country().iso2()).collect();
    let codes: Vec<&str> = communes.keys().map(|c| c.code()).collect();
    let held: Vec<(String, Option<String>, String, i64)> =
        sqlx::query_as(include_str!("sql/communes_of_other_regions.sql"))
            .bind(&countries)
            .bind(&codes)
            .bind(CLASH_EXAMPLES)
            .fetch_all(&mut *tx)
            .await
            .map_err(IngestError::database(
                "checking the communes of other regions",
            ))?;
    let Some((_, _, _, total)) = held.first() else {
        return Ok(());
    };
    let examples: Vec<String> = held
        .iter()
        .map(|(id, region, source, _)| match region {
            Some(region) => format!("{id} (region {region}, source {source})"),
            None => format!("{id} (no region, source {source})"),
        })
        .collect();
    let this = manifest.region.as_ref().map_or_else(
        || "this manifest".to_owned(),
        |r| format!("region {}", r.id),
    );
    Err(IngestError::Region {
        path: manifest.path.clone(),
        message: format!(
            "{total} of the communes of {this} are already loaded by another region or \
             source, e.g. {}; a commune belongs to one region: leave them out of this \
             manifest's [area]",
            examples.join(", ")
        ),
    })
}

async fn insert_communes(
    tx: &mut sqlx::PgConnection,
    communes: &Communes,
    region: Option<&str>,
) -> Result<(), IngestError> {
    let mut columns: [Vec<Option<String>>; 12] = Default::default();
    for c in communes.values() {
        let arr = c.arrondissement.as_ref();
        let values = [
            Some(c.code.country().iso2().to_owned()),
            Some(c.code.code().to_owned()),
            Some(c.name.clone()),
            c.names.nl.clone(),
            c.names.fr.clone(),
            arr.map(|a| a.code.clone()),
            arr.and_then(|a| a.name_nl.clone()),
            arr.and_then(|a| a.name_fr.clone()),
            c.intercommunality.as_ref().map(|i| i.0.clone()),
            c.intercommunality.as_ref().map(|i| i.1.clone()),
            Some(c.source_id.clone()),
            Some(c.geometry.clone()),
        ];
        for (column, value) in columns.iter_mut().zip(values) {
            column.push(value);
        }
    }
    let mut query = sqlx::query(include_str!("sql/insert_communes.sql"));
    for column in columns {
        query = query.bind(column);
    }
    query
        .bind(region)
        .execute(tx)
        .await
        .map_err(IngestError::database("inserting communes"))?;
    Ok(())
}

async fn insert_population(
    tx: &mut sqlx::PgConnection,
    rows: &[PopulationRow],
) -> Result<(), IngestError> {
    let country: Vec<&str> = rows.iter().map(|r| r.code.country().iso2()).collect();
    let code: Vec<&str> = rows.iter().map(|r| r.code.code()).collect();
    let year: Vec<i16> = rows.iter().map(|r| r.year.get()).collect();
    let population: Vec<i32> = rows
        .iter()
        .map(|r| i32::try_from(r.population).unwrap_or(i32::MAX))
        .collect();
    let covers: Vec<String> = rows
        .iter()
        .map(|r| {
            r.covers
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    let source: Vec<&str> = rows.iter().map(|r| r.source_id.as_str()).collect();
    sqlx::query(include_str!("sql/insert_population.sql"))
        .bind(country)
        .bind(code)
        .bind(year)
        .bind(population)
        .bind(covers)
        .bind(source)
        .execute(tx)
        .await
        .map_err(IngestError::database("inserting population"))?;
    Ok(())
}

async fn insert_changes(tx: &mut sqlx::PgConnection, facts: &Facts) -> Result<(), IngestError> {
    let c = &facts.changes;
    sqlx::query(include_str!("sql/replace_changes.sql"))
        .bind(c.iter().map(|c| c.effective).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.old.country().iso2()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.kind.as_str()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.old.code()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.old_name.as_str()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.new.code()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.new_name.as_str()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.note.as_str()).collect::<Vec<_>>())
        .execute(tx)
        .await
        .map_err(IngestError::database("recording commune changes"))?;
    Ok(())
}
