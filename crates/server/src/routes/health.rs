use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// Whether the server and its databases answer.
#[derive(Serialize, ToSchema)]
struct Health {
    /// `ok`; `degraded` when one of the primary and the read replica does not answer (the
    /// requests that need it are answered 503, the others as usual); `unavailable` when
    /// no database answers.
    status: &'static str,
    /// The primary database, where contributions are written: `ok` or `unreachable`.
    database: &'static str,
    /// The read replica (`DATABASE_READ_URL`), which the map, the exports and the OGC API
    /// read: `ok` or `unreachable`; absent when the primary serves the reads too.
    #[serde(skip_serializing_if = "Option::is_none")]
    read_database: Option<&'static str>,
}

/// 200 while a database answers, 503 when none does.
#[utoipa::path(
    get,
    path = "/health",
    tag = "health",
    responses(
        (status = 200, description = "The server answers, and its databases (status ok), or one of them (degraded)", body = Health),
        (status = 503, description = "No database answers", body = Health),
    )
)]
async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let replica = state.read().is_replica();
    let (primary, read) = tokio::join!(answers(state.primary(), "primary"), async {
        if replica {
            Some(answers(state.read().pool(), "read replica").await)
        } else {
            None
        }
    });
    let state_of = |up: bool| if up { "ok" } else { "unreachable" };
    let (code, status) = match (primary, read) {
        (true, None | Some(true)) => (StatusCode::OK, "ok"),
        (false, None | Some(false)) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        (true, Some(false)) | (false, Some(true)) => (StatusCode::OK, "degraded"),
    };
    (
        code,
        Json(Health {
            status,
            database: state_of(primary),
            read_database: read.map(state_of),
        }),
    )
}

/// Whether the database of `pool` answers a query.
async fn answers(pool: &sqlx::PgPool, which: &str) -> bool {
    match sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(pool)
        .await
    {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, database = which, "health check: database does not answer");
            false
        }
    }
}
