//! Reference lists the map labels its data with: the taxonomy's groups and categories in
//! three languages, and the sources with their publishers and licences.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::translations::Translations;
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(categories))
        .routes(routes!(sources))
}

/// The taxonomy, as `data/taxonomy.toml` orders it.
#[derive(Debug, Serialize, ToSchema)]
struct Taxonomy {
    groups: Vec<Group>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Group {
    /// e.g. `health`
    id: String,
    label: Translations,
    categories: Vec<Category>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Category {
    /// e.g. `pharmacy`
    id: String,
    label: Translations,
    /// Whether the category is one of the everyday basket's items.
    everyday_basket: bool,
}

#[derive(sqlx::FromRow)]
struct CategoryRow {
    group_id: String,
    group_nl: String,
    group_fr: String,
    group_en: String,
    id: String,
    label_nl: String,
    label_fr: String,
    label_en: String,
    everyday_basket: bool,
}

/// The taxonomy's groups, each with its categories, labelled in Dutch, French and English.
#[utoipa::path(
    get,
    path = "/api/categories",
    tag = "reference",
    responses(
        (status = 200, description = "The groups and their categories, in the taxonomy's order", body = Taxonomy),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn categories(State(state): State<AppState>) -> Result<Json<Taxonomy>, ApiError> {
    let rows: Vec<CategoryRow> = sqlx::query_as(include_str!("../sql/api_categories.sql"))
        .fetch_all(state.read().pool())
        .await?;
    let mut groups: Vec<Group> = Vec::new();
    for row in rows {
        let category = Category {
            id: row.id,
            label: Translations {
                nl: row.label_nl,
                fr: row.label_fr,
                en: row.label_en,
            },
            everyday_basket: row.everyday_basket,
        };
        // Rows come ordered by group, so a group's categories are consecutive.
        match groups.last_mut() {
            Some(group) if group.id == row.group_id => group.categories.push(category),
            _ => groups.push(Group {
                id: row.group_id,
                label: Translations {
                    nl: row.group_nl,
                    fr: row.group_fr,
                    en: row.group_en,
                },
                categories: vec![category],
            }),
        }
    }
    Ok(Json(Taxonomy { groups }))
}

/// A loaded source and what a reader must credit.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
struct Source {
    /// e.g. `afmps_pharmacies`, as service tiles and provenance name it
    id: String,
    title: String,
    publisher: String,
    licence: String,
    /// The date or period the source describes, as its publisher gives it.
    reference_date: Option<String>,
}

/// Every loaded source with its publisher, licence and reference date.
#[utoipa::path(
    get,
    path = "/api/sources",
    tag = "reference",
    responses(
        (status = 200, description = "The sources, by id", body = Vec<Source>),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn sources(State(state): State<AppState>) -> Result<Json<Vec<Source>>, ApiError> {
    let rows = sqlx::query_as(include_str!("../sql/api_sources.sql"))
        .fetch_all(state.read().pool())
        .await?;
    Ok(Json(rows))
}
