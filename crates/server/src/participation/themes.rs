//! The themes ideas and calls for projects are filed under.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ErrorBody;
use crate::routes::translations::Translations;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(themes))
}

#[derive(Serialize, ToSchema)]
struct Theme {
    /// e.g. `mobility`
    id: String,
    name: Translations,
}

/// The themes of ideas and calls for projects, in Dutch, French and English.
#[utoipa::path(
    get,
    path = "/api/participation/themes",
    operation_id = "participation_themes",
    tag = "participation",
    responses(
        (status = 200, description = "The themes, in their order", body = Vec<Theme>),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn themes(State(state): State<AppState>) -> Result<Json<Vec<Theme>>, ApiError> {
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as(include_str!("sql/themes.sql"))
            .fetch_all(state.primary())
            .await?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, nl, fr, en)| Theme {
                id,
                name: Translations { nl, fr, en },
            })
            .collect(),
    ))
}

/// Whether `id` is a theme; a 422 naming `field` if not.
pub async fn check(
    conn: &mut sqlx::PgConnection,
    field: &'static str,
    id: &str,
) -> Result<(), ApiError> {
    let known: bool = sqlx::query_scalar(include_str!("sql/theme_exists.sql"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    if known {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!("{id:?} is not a theme; see /api/participation/themes"),
        ))
    }
}
