//! The regions (study areas) loaded: one per manifest, each named in three languages,
//! with its extent and number of communes. The other routes take `?region=` to keep to
//! one of them.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::sql_json::json_numbers;
use super::translations::Translations;
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(regions))
}

/// A loaded region.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct Region {
    /// Its id, as `?region=` takes it, e.g. `westhoek`.
    id: String,
    /// Its name in Dutch, French and English.
    name: Translations,
    /// The extent of its communes in WGS 84 degrees: west, south, east, north; `null`
    /// while it has none.
    #[schema(value_type = Option<Vec<f64>>)]
    bbox: Option<Box4>,
    /// The box a map opens on, west, south, east, north: the one its manifest gives, else
    /// `bbox`; `null` when it has neither.
    #[schema(value_type = Option<Vec<f64>>)]
    view: Option<Box4>,
    /// How many communes it has.
    communes: i64,
}

/// West, south, east, north.
#[derive(Debug, Serialize, Deserialize)]
struct Box4(#[serde(serialize_with = "json_numbers")] [f64; 4]);

#[derive(sqlx::FromRow)]
struct RegionRow {
    id: String,
    name_nl: String,
    name_fr: String,
    name_en: String,
    west: Option<f64>,
    south: Option<f64>,
    east: Option<f64>,
    north: Option<f64>,
    view_box: Option<Vec<f64>>,
    communes: i64,
}

impl TryFrom<RegionRow> for Region {
    type Error = ApiError;

    fn try_from(r: RegionRow) -> Result<Region, ApiError> {
        let bbox = match (r.west, r.south, r.east, r.north) {
            (Some(w), Some(s), Some(e), Some(n)) => Some(Box4([w, s, e, n])),
            _ => None,
        };
        let view = r
            .view_box
            .map(|v| {
                <[f64; 4]>::try_from(v).map(Box4).map_err(|v| {
                    ApiError::Internal(format!(
                        "region {}: a view of {} numbers, not four",
                        r.id,
                        v.len()
                    ))
                })
            })
            .transpose()?;
        Ok(Region {
            id: r.id,
            name: Translations {
                nl: r.name_nl,
                fr: r.name_fr,
                en: r.name_en,
            },
            bbox,
            view,
            communes: r.communes,
        })
    }
}

/// Every loaded region, in the order they were first loaded (the atlas opens on the
/// first): id, names in Dutch, French and English, the extent of its communes, the box a
/// map opens on, and how many communes it has. `[]` before any manifest is loaded.
#[utoipa::path(
    get,
    path = "/api/regions",
    tag = "regions",
    responses(
        (status = 200, description = "Every loaded region, the first loaded first", body = Vec<Region>),
        (status = 500, description = "The database answered what the server cannot describe; the reason is in its log", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn regions(State(state): State<AppState>) -> Result<Json<Vec<Region>>, ApiError> {
    let rows: Vec<RegionRow> = sqlx::query_as(include_str!("../sql/api_regions.sql"))
        .fetch_all(state.read().pool())
        .await?;
    rows.into_iter()
        .map(Region::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map(Json)
}
