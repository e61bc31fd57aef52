//! OGC API – Features, Part 1 (conformance classes Core and GeoJSON) under `/ogc`, so
//! that QGIS, GDAL and other clients read the communes and services as they are. The API
//! definition its landing page links to (`service-desc`) is `/api/openapi.json`, generated
//! from the handlers; it is OpenAPI 3.1, so the class "OpenAPI 3.0" is not claimed.
//!
//! Two collections: `communes` (current boundaries, no time) and `services` (points,
//! each known to exist from its first to its last sighting). Features are RFC 7946
//! GeoJSON in CRS84 longitude/latitude, built in PostGIS; pages come in a stable order
//! (communes by country and code, services by id), so following `next` links visits
//! every feature once.
//!
//! Query parameters of `/items`: `limit` (1 and up, default 100; a larger page than
//! 10000 is served as 10000, as the standard asks, not refused), `offset`, `bbox` (four
//! numbers, or six whose heights are ignored), `datetime` (a day, an instant or an
//! interval with `..` or empty open ends; services match when the days they are known
//! to exist overlap it; communes have no time, so the standard has them all match) and,
//! for services, `category` (a taxonomy id). Parameters the server does not know are
//! ignored, as the standard allows; a known one that is malformed is a 400 naming it.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use observatory_core::database::ReadPool;
use serde_json::{json, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ErrorBody;
use crate::params::{self, Bbox, ParamError, Path};
use crate::{ApiError, AppState};
use observatory_core::RegionId;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(landing))
        // The same landing page with a trailing slash, as some clients ask for it.
        .route("/ogc/", get(landing))
        .routes(routes!(conformance))
        .routes(routes!(collections))
        .routes(routes!(collection))
        .routes(routes!(items))
        .routes(routes!(item))
}

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const GREGORIAN: &str = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian";
const GEOJSON: &str = "application/geo+json";
const JSON_TYPE: &str = "application/json";
/// The media type of the API definition (`/api/openapi.json`), which is OpenAPI 3.1.
const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.1";

/// The conformance classes implemented. Not "OpenAPI 3.0" (`conf/oas30`): the API
/// definition is generated from the handlers as OpenAPI 3.1, which that class does not
/// accept.
const CONFORMS_TO: [&str; 2] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
];

/// Features per page when the request names no `limit`.
pub const DEFAULT_LIMIT: u32 = 100;
/// The largest page served; a larger `limit` gets this many.
pub const MAX_LIMIT: u32 = 10_000;

// ---------------------------------------------------------------------------------------
// Collections

/// A feature collection served under `/ogc/collections/{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collection {
    Communes,
    Services,
}

impl Collection {
    const ALL: [Collection; 2] = [Collection::Communes, Collection::Services];

    fn id(self) -> &'static str {
        match self {
            Collection::Communes => "communes",
            Collection::Services => "services",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Collection::Communes => "Communes",
            Collection::Services => "Services",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Collection::Communes => {
                "Communes of West Flanders and Nord (Belgium and France): NIS or INSEE code, \
                 official, Dutch and French names, arrondissement, latest population and area. \
                 Feature ids are COUNTRY-CODE, e.g. BE-33011."
            }
            Collection::Services => {
                "Everyday services (health, education, shops, public services, mobility, \
                 finance) on both sides of the border, in one taxonomy with Dutch, French and \
                 English labels; each known to exist from first_seen to last_seen, with the \
                 sources that describe it. Filter with datetime and category (a taxonomy id)."
            }
        }
    }

    fn extent_sql(self) -> &'static str {
        match self {
            Collection::Communes => include_str!("../sql/ogc_communes_extent.sql"),
            Collection::Services => include_str!("../sql/ogc_services_extent.sql"),
        }
    }
}

impl std::str::FromStr for Collection {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Collection::ALL
            .into_iter()
            .find(|c| c.id() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Collection::ALL.iter().map(|c| c.id()).collect();
                ApiError::NotFound(format!(
                    "no collection {s:?}; collections: {}",
                    known.join(", ")
                ))
            })
    }
}

// ---------------------------------------------------------------------------------------
// Query parameters, parsed once into types

/// How many features a page holds: 1 to [`MAX_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limit(u32);

impl Default for Limit {
    fn default() -> Limit {
        Limit(DEFAULT_LIMIT)
    }
}

impl Limit {
    /// A whole number of at least 1. A larger one than [`MAX_LIMIT`] is not an error:
    /// the standard (`/req/core/fc-limit-response`) has the server serve its largest page.
    fn parse(text: &str) -> Result<Limit, ParamError> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParamError::new(
                "limit",
                format!("{text:?} is not a whole number; give 1 to {MAX_LIMIT} features per page"),
            ));
        }
        // Only digits: a parse failure is an overflow, which is simply a large page.
        let n = text.parse::<u64>().unwrap_or(u64::MAX);
        if n == 0 {
            return Err(ParamError::new(
                "limit",
                format!("0 is out of range; give 1 to {MAX_LIMIT} features per page"),
            ));
        }
        Ok(Limit(
            u32::try_from(n.min(u64::from(MAX_LIMIT))).unwrap_or(MAX_LIMIT),
        ))
    }

    fn get(self) -> u64 {
        u64::from(self.0)
    }
}

/// How many features of the selection to skip before the page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Offset(u64);

impl Offset {
    fn parse(text: &str) -> Result<Offset, ParamError> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParamError::new(
                "offset",
                format!("{text:?} is not a whole number of 0 or more"),
            ));
        }
        text.parse::<u64>()
            .ok()
            .filter(|n| i64::try_from(*n).is_ok())
            .map(Offset)
            .ok_or_else(|| ParamError::new("offset", format!("{text} is too large")))
    }

    fn get(self) -> u64 {
        self.0
    }
}

/// The `datetime` filter as a range of days, either end open. Services are dated by
/// the day, so an instant counts for its day (in its own UTC offset).
#[derive(Debug, Clone, PartialEq, Eq)]
struct DayRange {
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    /// As given, for the links of the response.
    text: String,
}

impl DayRange {
    /// `2020-01-01`, `2020-01-01T10:00:00Z`, or an interval `start/end` of those where
    /// an open end is `..` or empty; at least one end must be given.
    fn parse(text: &str) -> Result<DayRange, ParamError> {
        let (first, last) = match text.split_once('/') {
            None => {
                let day = Self::day(text)?;
                (Some(day), Some(day))
            }
            Some((start, end)) => (Self::end(start)?, Self::end(end)?),
        };
        match (first, last) {
            (None, None) => Err(ParamError::new(
                "datetime",
                "an interval needs at least one end, e.g. 2016-01-01/.. or ../2020-12-31",
            )),
            (Some(f), Some(l)) if f > l => Err(ParamError::new(
                "datetime",
                format!("{text:?} starts after it ends"),
            )),
            _ => Ok(DayRange {
                first,
                last,
                text: text.to_owned(),
            }),
        }
    }

    fn end(text: &str) -> Result<Option<NaiveDate>, ParamError> {
        match text {
            "" | ".." => Ok(None),
            _ => Self::day(text).map(Some),
        }
    }

    fn day(text: &str) -> Result<NaiveDate, ParamError> {
        let day = if text.len() == 10 {
            crate::params::day("datetime", text).ok()
        } else {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.date_naive())
        };
        day.ok_or_else(|| {
            ParamError::new(
                "datetime",
                format!(
                    "{text:?} is neither a date (2020-01-01) nor an RFC 3339 date-time \
                     (2020-01-01T00:00:00Z); an interval is start/end with .. for an open end"
                ),
            )
        })
    }
}

/// A service category of the taxonomy, by id (`pharmacy`, `post_office` …).
#[derive(Debug, Clone, PartialEq, Eq)]
struct CategoryId(String);

impl CategoryId {
    fn parse(text: &str) -> Result<CategoryId, ParamError> {
        let mut chars = text.chars();
        let well_formed = text.len() <= 64
            && chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if well_formed {
            Ok(CategoryId(text.to_owned()))
        } else {
            Err(ParamError::new(
                "category",
                format!("{text:?} is not a category id such as pharmacy or post_office"),
            ))
        }
    }
}

/// What `/items` was asked for.
#[derive(Debug, Clone, PartialEq, Default)]
struct ItemsQuery {
    limit: Limit,
    offset: Offset,
    bbox: Option<Bbox>,
    datetime: Option<DayRange>,
    category: Option<CategoryId>,
    region: Option<RegionId>,
}

impl ItemsQuery {
    /// Reads the parameters this collection knows, each at most once; others are ignored.
    fn parse(collection: Collection, pairs: &[(String, String)]) -> Result<ItemsQuery, ParamError> {
        let mut query = ItemsQuery::default();
        let mut seen: Vec<&'static str> = Vec::new();
        for (key, value) in pairs {
            let name = match key.as_str() {
                "limit" => "limit",
                "offset" => "offset",
                "bbox" => "bbox",
                "datetime" => "datetime",
                "category" if collection == Collection::Services => "category",
                "region" => "region",
                _ => continue,
            };
            if seen.contains(&name) {
                return Err(ParamError::new(name, "given more than once"));
            }
            seen.push(name);
            match name {
                "limit" => query.limit = Limit::parse(value)?,
                "offset" => query.offset = Offset::parse(value)?,
                "bbox" => query.bbox = Some(Bbox::parse(value)?),
                "datetime" => query.datetime = Some(DayRange::parse(value)?),
                // empty is absent, as for the other routes that take a region
                "region" if value.is_empty() => {}
                "region" => query.region = Some(params::region(value)?),
                _ => query.category = Some(CategoryId::parse(value)?),
            }
        }
        Ok(query)
    }

    /// The query string of the same selection and page size, from `offset` on.
    fn query_string(&self, offset: u64) -> String {
        let mut parts = vec![format!("limit={}", self.limit.get())];
        if offset > 0 {
            parts.push(format!("offset={offset}"));
        }
        if let Some(bbox) = &self.bbox {
            parts.push(format!("bbox={}", encode_query_value(&bbox.to_string())));
        }
        if let Some(datetime) = &self.datetime {
            parts.push(format!("datetime={}", encode_query_value(&datetime.text)));
        }
        if let Some(category) = &self.category {
            parts.push(format!("category={}", encode_query_value(&category.0)));
        }
        if let Some(region) = &self.region {
            parts.push(format!("region={}", encode_query_value(region.as_str())));
        }
        parts.join("&")
    }

    fn bbox_part(&self, part: fn(&Bbox) -> f64) -> Option<f64> {
        self.bbox.as_ref().map(part)
    }
}

/// Percent-encodes a query value, keeping what needs no escaping (RFC 3986 unreserved
/// characters, and `,` and `:` which a query may hold as they are).
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~,:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Links

/// This server's address as the client reached it (the Host header), for absolute links.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

fn link(href: String, rel: &str, media_type: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": media_type, "title": title })
}

// ---------------------------------------------------------------------------------------
// Handlers

/// The OGC API – Features landing page: links to the API definition, the conformance
/// classes and the collections.
#[utoipa::path(
    get,
    path = "/ogc",
    tag = "ogc",
    responses((status = 200, description = "The landing page", body = serde_json::Value, content_type = "application/json"))
)]
async fn landing(headers: HeaderMap) -> Json<Value> {
    let base = base_url(&headers);
    Json(json!({
        "title": "Westhoek Observatory",
        "description": "Communes and everyday services of cross-border regions such as the \
                        Belgian Westhoek and French Flanders, on both sides of the border; \
                        `region` keeps the items to one region (OGC API – Features).",
        "links": [
            link(format!("{base}/ogc"), "self", JSON_TYPE, "this document"),
            link(format!("{base}/api/openapi.json"), "service-desc", OPENAPI, "the API definition"),
            link(format!("{base}/ogc/conformance"), "conformance", JSON_TYPE, "OGC API conformance classes implemented by this server"),
            link(format!("{base}/ogc/collections"), "data", JSON_TYPE, "the feature collections"),
        ]
    }))
}

/// The OGC API – Features conformance classes this server implements (Core, GeoJSON).
#[utoipa::path(
    get,
    path = "/ogc/conformance",
    tag = "ogc",
    responses((status = 200, description = "`conformsTo`: the classes' URIs", body = serde_json::Value, content_type = "application/json"))
)]
async fn conformance() -> Json<Value> {
    Json(json!({ "conformsTo": CONFORMS_TO }))
}

/// The feature collections, `communes` and `services`, with their extents.
#[utoipa::path(
    get,
    path = "/ogc/collections",
    tag = "ogc",
    responses(
        (status = 200, description = "The collections", body = serde_json::Value, content_type = "application/json"),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let mut list = Vec::with_capacity(Collection::ALL.len());
    for collection in Collection::ALL {
        list.push(collection_metadata(state.read(), collection, &base).await?);
    }
    Ok(Json(json!({
        "links": [link(format!("{base}/ogc/collections"), "self", JSON_TYPE, "this document")],
        "collections": list,
    })))
}

/// One collection's description, with its extent computed from the data.
#[utoipa::path(
    get,
    path = "/ogc/collections/{collection}",
    tag = "ogc",
    params(("collection" = String, Path, description = "`communes` or `services`")),
    responses(
        (status = 200, description = "The collection", body = serde_json::Value, content_type = "application/json"),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn collection(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let collection: Collection = collection.parse()?;
    Ok(Json(
        collection_metadata(state.read(), collection, &base_url(&headers)).await?,
    ))
}

type ExtentRow = (
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<NaiveDate>,
    Option<NaiveDate>,
);

/// A collection's description, with its extent computed from the data.
async fn collection_metadata(
    pool: &ReadPool,
    collection: Collection,
    base: &str,
) -> Result<Value, ApiError> {
    let (w, s, e, n, first, last): ExtentRow = sqlx::query_as(collection.extent_sql())
        .fetch_one(pool.pool())
        .await?;
    let bbox = match (w, s, e, n) {
        (Some(w), Some(s), Some(e), Some(n)) => [w, s, e, n],
        _ => [-180.0, -90.0, 180.0, 90.0],
    };
    let mut extent = json!({ "spatial": { "bbox": [bbox], "crs": CRS84 } });
    if collection == Collection::Services {
        let instant = |d: Option<NaiveDate>| d.map(|d| format!("{d}T00:00:00Z"));
        extent["temporal"] = json!({
            "interval": [[instant(first), instant(last)]],
            "trs": GREGORIAN,
        });
    }
    let url = format!("{base}/ogc/collections/{}", collection.id());
    Ok(json!({
        "id": collection.id(),
        "title": collection.title(),
        "description": collection.description(),
        "links": [
            link(url.clone(), "self", JSON_TYPE, "this collection"),
            link(format!("{url}/items"), "items", GEOJSON, collection.title()),
        ],
        "extent": extent,
        "itemType": "feature",
        "crs": [CRS84],
    }))
}

/// A page of features with `numberMatched`, and `next`/`prev` links that keep the filters.
/// Parameters the server does not know are ignored; a known one that is malformed is a
/// 400 naming it.
#[utoipa::path(
    get,
    path = "/ogc/collections/{collection}/items",
    tag = "ogc",
    params(
        ("collection" = String, Path, description = "`communes` or `services`"),
        ("limit" = Option<u32>, Query, description = "Features per page, 1 and up (default 100; above 10000 the page holds 10000)"),
        ("offset" = Option<u64>, Query, description = "Features of the selection to skip"),
        ("bbox" = Option<String>, Query, description = "minlon,minlat,maxlon,maxlat (CRS84), or six numbers with heights"),
        ("datetime" = Option<String>, Query, description = "A day, an RFC 3339 instant or an interval start/end with `..` for an open end; services whose first to last sighting overlaps it"),
        ("category" = Option<String>, Query, description = "services only: a taxonomy category id, e.g. `pharmacy`"),
        ("region" = Option<String>, Query, description = "A region id from `GET /api/regions`, e.g. `westhoek`: its communes; for services, those in its communes or within 5 km of them. Every region when absent or empty"),
    ),
    responses(
        (status = 200, description = "A FeatureCollection page (RFC 7946) with numberMatched, numberReturned and links", body = serde_json::Value, content_type = "application/geo+json"),
        (status = 400, description = "A malformed parameter, named in the message", body = ErrorBody),
        (status = 404, description = "No such collection, or no such region (named in the message)", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn items(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let collection: Collection = collection.parse()?;
    let Query(pairs) =
        query.map_err(|e| ApiError::BadRequest(format!("the query string cannot be read: {e}")))?;
    let query = ItemsQuery::parse(collection, &pairs)?;
    if let Some(category) = &query.category {
        check_category(state.read(), &category.0).await?;
    }
    if let Some(region) = &query.region {
        params::known_region(state.read().pool(), region).await?;
    }

    let limit = query.limit.get();
    let offset = query.offset.get();
    let rows = fetch_page(state.read(), collection, &query, limit, offset).await?;
    let matched = match rows.first() {
        Some((matched, _)) => u64::try_from(*matched).unwrap_or(0),
        // Past the end the page has no row to carry the count: ask for the first one.
        None if offset > 0 => fetch_page(state.read(), collection, &query, 1, 0)
            .await?
            .first()
            .map_or(0, |(matched, _)| u64::try_from(*matched).unwrap_or(0)),
        None => 0,
    };
    let returned = rows.len() as u64;

    let base = base_url(&headers);
    let collection_url = format!("{base}/ogc/collections/{}", collection.id());
    let page_url = |offset: u64| format!("{collection_url}/items?{}", query.query_string(offset));
    let mut links = vec![
        link(page_url(offset), "self", GEOJSON, "this page"),
        link(
            collection_url.clone(),
            "collection",
            JSON_TYPE,
            collection.title(),
        ),
    ];
    if offset + returned < matched {
        links.push(link(page_url(offset + limit), "next", GEOJSON, "next page"));
    }
    if offset > 0 {
        links.push(link(
            page_url(offset.saturating_sub(limit)),
            "prev",
            GEOJSON,
            "previous page",
        ));
    }
    let head = json!({
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": returned,
        "timeStamp": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "links": links,
    })
    .to_string();

    // The features come from PostGIS as JSON text: splice them in rather than parse them.
    let size = head.len() + rows.iter().map(|(_, f)| f.len() + 1).sum::<usize>() + 16;
    let mut body = String::with_capacity(size);
    body.push_str(head.strip_suffix('}').unwrap_or(&head));
    body.push_str(",\"features\":[");
    for (i, (_, feature)) in rows.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(feature);
    }
    body.push_str("]}");
    Ok(([(header::CONTENT_TYPE, GEOJSON)], body).into_response())
}

/// One page of features as JSON text, each row with the number of features matched.
async fn fetch_page(
    pool: &ReadPool,
    collection: Collection,
    query: &ItemsQuery,
    limit: u64,
    offset: u64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let sql = match collection {
        Collection::Communes => include_str!("../sql/ogc_communes_items.sql"),
        Collection::Services => include_str!("../sql/ogc_services_items.sql"),
    };
    let statement = sqlx::query_as(sql)
        .bind(query.bbox_part(|b| b.min_lon))
        .bind(query.bbox_part(|b| b.min_lat))
        .bind(query.bbox_part(|b| b.max_lon))
        .bind(query.bbox_part(|b| b.max_lat));
    let statement = match collection {
        Collection::Communes => statement,
        Collection::Services => statement
            .bind(query.datetime.as_ref().and_then(|d| d.first))
            .bind(query.datetime.as_ref().and_then(|d| d.last))
            .bind(query.category.as_ref().map(|c| c.0.clone())),
    };
    statement
        .bind(query.region.as_ref().map(|r| r.as_str().to_owned()))
        .bind(limit)
        .bind(offset)
        .fetch_all(pool.pool())
        .await
}

/// A well-formed category id that the taxonomy does not have is a 400 listing those it has.
pub(crate) async fn check_category(pool: &ReadPool, category: &str) -> Result<(), ApiError> {
    let known: Vec<String> = sqlx::query_scalar(include_str!("../sql/ogc_service_categories.sql"))
        .fetch_all(pool.pool())
        .await?;
    if known.iter().any(|k| k == category) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "query parameter category: no category {category:?}; categories: {}",
            known.join(", ")
        )))
    }
}

/// One feature, with links to itself and its collection; 404 when there is none.
#[utoipa::path(
    get,
    path = "/ogc/collections/{collection}/items/{fid}",
    tag = "ogc",
    params(
        ("collection" = String, Path, description = "`communes` or `services`"),
        ("fid" = String, Path, description = "A commune id (`BE-33011`) or a service's number"),
    ),
    responses(
        (status = 200, description = "The feature (RFC 7946)", body = serde_json::Value, content_type = "application/geo+json"),
        (status = 404, description = "No such collection or feature", body = ErrorBody),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn item(
    State(state): State<AppState>,
    Path((collection, fid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let collection: Collection = collection.parse()?;
    let not_found = || {
        ApiError::NotFound(format!(
            "no feature {fid:?} in collection {}",
            collection.id()
        ))
    };
    let feature: Option<sqlx::types::Json<Value>> = match collection {
        Collection::Communes => {
            // Ids are COUNTRY-CODE: a code never travels without its country.
            let Some((country, code)) = fid.split_once('-').filter(|(country, code)| {
                matches!(*country, "BE" | "FR")
                    && code.len() <= 16
                    && code.bytes().all(|b| b.is_ascii_alphanumeric())
            }) else {
                return Err(not_found());
            };
            sqlx::query_scalar(include_str!("../sql/ogc_communes_item.sql"))
                .bind(country)
                .bind(code)
                .fetch_optional(state.read().pool())
                .await?
        }
        Collection::Services => {
            let Ok(id) = fid.parse::<i64>() else {
                return Err(not_found());
            };
            sqlx::query_scalar(include_str!("../sql/ogc_services_item.sql"))
                .bind(id)
                .fetch_optional(state.read().pool())
                .await?
        }
    };
    let sqlx::types::Json(mut feature) = feature.ok_or_else(not_found)?;
    let collection_url = format!("{}/ogc/collections/{}", base_url(&headers), collection.id());
    if let Some(object) = feature.as_object_mut() {
        object.insert(
            "links".into(),
            json!([
                link(
                    format!("{collection_url}/items/{}", encode_query_value(&fid)),
                    "self",
                    GEOJSON,
                    "this feature"
                ),
                link(
                    collection_url.clone(),
                    "collection",
                    JSON_TYPE,
                    collection.title()
                ),
            ]),
        );
    }
    Ok(([(header::CONTENT_TYPE, GEOJSON)], feature.to_string()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn limit_defaults_caps_and_refuses_zero() {
        assert_eq!(Limit::default(), Limit(100));
        assert_eq!(Limit::parse("250"), Ok(Limit(250)));
        assert_eq!(Limit::parse("10000"), Ok(Limit(10_000)));
        assert_eq!(Limit::parse("10001"), Ok(Limit(10_000)));
        assert_eq!(Limit::parse("99999999999999999999999"), Ok(Limit(10_000)));
        for bad in ["0", "", "-1", "1.5", "ten", " 5", "+5"] {
            let e = Limit::parse(bad).expect_err(bad);
            assert_eq!(e.parameter, "limit", "{bad}");
        }
    }

    #[test]
    fn offset_is_a_whole_number_from_zero() {
        assert_eq!(Offset::parse("0"), Ok(Offset(0)));
        assert_eq!(Offset::parse("750"), Ok(Offset(750)));
        for bad in ["-1", "", "x", "99999999999999999999"] {
            assert_eq!(Offset::parse(bad).expect_err(bad).parameter, "offset");
        }
    }

    #[test]
    fn bbox_takes_four_or_six_finite_ordered_numbers() {
        let b = Bbox::parse("2.8,50.8,3.0,50.9").expect("a box");
        assert_eq!(
            (b.min_lon, b.min_lat, b.max_lon, b.max_lat),
            (2.8, 50.8, 3.0, 50.9)
        );
        assert_eq!(b.to_string(), "2.8,50.8,3,50.9");
        assert_eq!(Bbox::parse(&b.to_string()), Ok(b));
        let b3 = Bbox::parse("2.8, 50.8, -10, 3.0, 50.9, 100").expect("a 3D box");
        assert_eq!(b3, b);
        for bad in [
            "1,2,3",
            "1,2,3,4,5",
            "",
            "a,b,c,d",
            "1,2,inf,4",
            "NaN,1,2,3",
            "3,1,2,4",
            "1,4,2,3",
        ] {
            assert_eq!(Bbox::parse(bad).expect_err(bad).parameter, "bbox", "{bad}");
        }
    }

    #[test]
    fn datetime_takes_days_instants_and_intervals() {
        let one = DayRange::parse("2016-08-21").expect("a day");
        assert_eq!((one.first, one.last), (day(2016, 8, 21), day(2016, 8, 21)));
        let instant = DayRange::parse("2020-01-01T23:30:00-02:00").expect("an instant");
        assert_eq!(instant.first, day(2020, 1, 1), "the day in its own offset");
        let closed = DayRange::parse("2016-01-01/2020-12-31").expect("an interval");
        assert_eq!(
            (closed.first, closed.last),
            (day(2016, 1, 1), day(2020, 12, 31))
        );
        let open_end = DayRange::parse("2022-01-01T00:00:00Z/..").expect("open end");
        assert_eq!((open_end.first, open_end.last), (day(2022, 1, 1), None));
        let open_start = DayRange::parse("/2020-12-31").expect("empty open start");
        assert_eq!(
            (open_start.first, open_start.last),
            (None, day(2020, 12, 31))
        );
        assert_eq!(open_start.text, "/2020-12-31");
        for bad in [
            "garbage",
            "",
            "../..",
            "/",
            "2020-13-01",
            "2020-02-30",
            "2020-12-31/2020-01-01",
            "2020-01-01/2020-02-01/2020-03-01",
            "2020-01-01 10:00",
        ] {
            assert_eq!(
                DayRange::parse(bad).expect_err(bad).parameter,
                "datetime",
                "{bad}"
            );
        }
    }

    #[test]
    fn category_ids_are_taxonomy_shaped() {
        assert_eq!(
            CategoryId::parse("post_office"),
            Ok(CategoryId("post_office".into()))
        );
        let long = "a".repeat(65);
        for bad in [
            "",
            "Pharmacy",
            "1abc",
            "post office",
            "a;drop",
            long.as_str(),
        ] {
            assert_eq!(CategoryId::parse(bad).expect_err(bad).parameter, "category");
        }
    }

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn items_query_ignores_unknown_refuses_repeats_and_keeps_filters_in_links() {
        let q = ItemsQuery::parse(
            Collection::Services,
            &pairs(&[
                ("f", "json"),
                ("limit", "250"),
                ("bbox", "2.8,50.8,3.0,50.9"),
                ("datetime", "2016-01-01/.."),
                ("category", "post_office"),
            ]),
        )
        .expect("a query");
        assert_eq!(q.limit, Limit(250));
        assert_eq!(
            q.query_string(500),
            "limit=250&offset=500&bbox=2.8,50.8,3,50.9&datetime=2016-01-01%2F..&category=post_office"
        );
        assert_eq!(
            q.query_string(0),
            "limit=250&bbox=2.8,50.8,3,50.9&datetime=2016-01-01%2F..&category=post_office"
        );

        // `category` is a filter of services only; for communes it is an unknown parameter.
        let communes = ItemsQuery::parse(
            Collection::Communes,
            &pairs(&[("category", "NOT A CATEGORY")]),
        )
        .expect("ignored");
        assert_eq!(communes.category, None);

        let repeated = ItemsQuery::parse(
            Collection::Communes,
            &pairs(&[("limit", "1"), ("limit", "2")]),
        );
        assert_eq!(repeated.expect_err("repeated").parameter, "limit");

        let message = ApiError::from(
            ItemsQuery::parse(Collection::Communes, &pairs(&[("limit", "0")]))
                .expect_err("limit 0"),
        )
        .to_string();
        assert!(message.contains("limit"), "{message}");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_query_value("2020-01-01T00:00:00+01:00/.."),
            "2020-01-01T00:00:00%2B01:00%2F.."
        );
        assert_eq!(encode_query_value("a b&c=d"), "a%20b%26c%3Dd");
    }

    #[test]
    fn unknown_collections_name_the_known_ones() {
        assert_eq!(
            "services".parse::<Collection>().ok(),
            Some(Collection::Services)
        );
        let message = "roads"
            .parse::<Collection>()
            .expect_err("unknown")
            .to_string();
        assert!(message.contains("communes, services"), "{message}");
    }
}

/// Every parser of `/items` and the exports, fed anything: never a panic, and every
/// refusal names its parameter and shows no internal detail.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn refusal_names(parameter: &str, error: &ParamError) -> Result<(), TestCaseError> {
        let text = error.to_string();
        prop_assert!(
            text.starts_with(&format!("query parameter {parameter}: ")),
            "{}",
            text
        );
        for internal in ["sqlx", "SELECT", "observatory_", "src/", "ParseFloatError"] {
            prop_assert!(!text.contains(internal), "{}", text);
        }
        Ok(())
    }

    /// Texts with what a hostile client sends: digits, signs, commas, dots, NaN, slashes,
    /// NUL and unicode.
    fn hostile() -> impl Strategy<Value = String> {
        prop_oneof![
            ".*",
            "[-+0-9.,eE/:TZ]{0,40}",
            "(NaN|inf|-0|1e309|\\.\\.|,|/|\u{0}|é|-){0,8}",
        ]
    }

    proptest! {
        #[test]
        fn bbox(text in hostile()) {
            match Bbox::parse(&text) {
                Ok(b) => prop_assert!(
                    b.min_lon.is_finite() && b.max_lat.is_finite()
                        && b.min_lon <= b.max_lon && b.min_lat <= b.max_lat
                ),
                Err(e) => refusal_names("bbox", &e)?,
            }
        }

        #[test]
        fn bbox_of_four_numbers(v in proptest::array::uniform4(proptest::num::f64::ANY)) {
            let text = format!("{},{},{},{}", v[0], v[1], v[2], v[3]);
            if let Err(e) = Bbox::parse(&text) {
                refusal_names("bbox", &e)?;
            }
        }

        #[test]
        fn datetime(text in hostile()) {
            match DayRange::parse(&text) {
                Ok(r) => prop_assert!(r.first.is_some() || r.last.is_some()),
                Err(e) => refusal_names("datetime", &e)?,
            }
        }

        #[test]
        fn limit_and_offset(text in hostile()) {
            match Limit::parse(&text) {
                Ok(l) => prop_assert!((1..=u64::from(MAX_LIMIT)).contains(&l.get())),
                Err(e) => refusal_names("limit", &e)?,
            }
            match Offset::parse(&text) {
                Ok(o) => prop_assert!(i64::try_from(o.get()).is_ok()),
                Err(e) => refusal_names("offset", &e)?,
            }
        }

        #[test]
        fn category(text in hostile()) {
            if let Err(e) = CategoryId::parse(&text) {
                refusal_names("category", &e)?;
            }
        }

        #[test]
        fn items_query(pairs in proptest::collection::vec(
            (prop_oneof![Just("limit"), Just("offset"), Just("bbox"), Just("datetime"), Just("category"), Just("x")], hostile()),
            0..6,
        )) {
            let pairs: Vec<(String, String)> =
                pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            match ItemsQuery::parse(Collection::Services, &pairs) {
                // The links' query string reads back as the same selection.
                Ok(q) => {
                    let again: Vec<(String, String)> = q
                        .query_string(q.offset.get())
                        .split('&')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.to_owned(), percent_decode(v)))
                        .collect();
                    let reread = ItemsQuery::parse(Collection::Services, &again);
                    prop_assert_eq!(reread.as_ref().map(|r| r.limit), Ok(q.limit));
                }
                Err(e) => {
                    let text = e.to_string();
                    prop_assert!(
                        ["limit", "offset", "bbox", "datetime", "category"]
                            .iter()
                            .any(|p| text.starts_with(&format!("query parameter {p}: "))),
                        "{}", text
                    );
                }
            }
        }
    }

    fn percent_decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match (bytes[i], bytes.get(i + 1..i + 3)) {
                (b'%', Some(hex)) => {
                    let hex = std::str::from_utf8(hex).unwrap_or("");
                    out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                    i += 3;
                }
                (b, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}
