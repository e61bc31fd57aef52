//! `/api/openapi.json`: the OpenAPI document of the HTTP interface, generated from the
//! handlers' descriptions (`#[utoipa::path]`) as they are registered, never written by
//! hand. It is OpenAPI 3.1 (what utoipa emits). It describes the health check, the JSON
//! API, the exports, OGC API – Features and itself; not the vector tiles nor the web map.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// The document's head: what the API is, and its groups of paths.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Westhoek Observatory",
        description = "Everyday services and indicators per commune in cross-border regions \
                       such as the Belgian Westhoek and French Flanders, on both sides of the \
                       border: health check, the JSON API, streamed GeoJSON and CSV exports, \
                       and OGC API – Features.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    tags(
        (name = "health", description = "Whether the server and its database answer"),
        (name = "regions", description = "The study areas loaded, one per manifest; `?region=` keeps other routes to one of them"),
        (name = "indicators", description = "Indicator definitions (NL/FR/EN) and values per commune"),
        (name = "communes", description = "Commune search, label points and profiles"),
        (name = "reference", description = "The taxonomy's categories and the sources, with labels and licences"),
        (name = "exports", description = "Streamed GeoJSON (RFC 7946) and CSV (UTF-8) downloads with the map's filters"),
        (name = "ogc", description = "OGC API – Features, Part 1: Core and GeoJSON"),
        (name = "participation", description = "Citizens' contributions: service reports, ideas, project ideas, photos, the needs questionnaire, support, withdrawal; and the login of moderators and partners"),
        (name = "moderation", description = "The moderators' queue, decisions and audit log"),
        (name = "partners", description = "Calls for projects, discovery days and the review of project ideas, by partners (and moderators)"),
        (name = "api", description = "This document"),
    )
)]
struct ApiDoc;

pub(super) fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as JSON text, built once from the same routes the server serves.
fn document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let (_, openapi) = super::documented().split_for_parts();
        // A document of plain strings and maps always serialises; an empty object would
        // only hide a bug, so say so in it.
        openapi.to_pretty_json().unwrap_or_else(|e| {
            tracing::error!(error = %e, "the OpenAPI document could not be serialised");
            String::from("{}")
        })
    })
}

/// This document: the OpenAPI 3.1 description of the HTTP interface.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "api",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = serde_json::Value, content_type = "application/vnd.oai.openapi+json;version=3.1"))
)]
async fn openapi_json() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/vnd.oai.openapi+json;version=3.1",
        )],
        document(),
    )
}
