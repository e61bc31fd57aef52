//! Streamed exports of communes (with their main indicators) and services, as GeoJSON
//! (RFC 7946) or CSV (UTF-8, header row), with the map's filters.
//!
//! One named query per layer selects the rows; the filters are its bound parameters.
//! Rows go from the database cursor through a small bounded channel to the socket as
//! they come, serialised here in chunks of about 64 KiB, so memory stays flat whatever
//! the size of the table and a slow client slows the query instead of filling memory.

use std::io::Write;

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::NaiveDate;
use futures::channel::mpsc;
use futures::stream::BoxStream;
use futures::{SinkExt, StreamExt};
use observatory_core::database::ReadPool;
use observatory_core::{CommuneId, RegionId, ServiceCategory};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ogc::check_category;
use crate::params::{self, Bbox, ParamError, Query};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(communes_geojson))
        .routes(routes!(communes_csv))
        .routes(routes!(services_geojson))
        .routes(routes!(services_csv))
}

/// Chunks queued between the database and the client: enough to keep both busy.
const CHANNEL_DEPTH: usize = 8;
/// A chunk is sent once it holds this many bytes.
const CHUNK_BYTES: usize = 64 * 1024;

const GEOJSON: &str = "application/geo+json";
/// The observatory's own name, which starts the file name of an export over every region
/// (one of one region starts with the region's id).
const OBSERVATORY: &str = "westhoek";
const CSV: &str = "text/csv; charset=utf-8";

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 7946 GeoJSON FeatureCollection.
    GeoJson,
    /// CSV in UTF-8 with a header row.
    Csv,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::Csv => "csv",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::GeoJson => GEOJSON,
            Format::Csv => CSV,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Filters

/// Filters of the services exports, as the map has them. Any other parameter is a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ServicesFilter {
    /// A category id of the taxonomy, e.g. `pharmacy` or `post_office`; an unknown one is
    /// a 400 that lists the known ones.
    category: Option<String>,
    /// `minlon,minlat,maxlon,maxlat` in WGS 84 degrees (CRS84), e.g. `2.8,50.8,3.0,50.9`:
    /// services inside the box.
    bbox: Option<String>,
    /// A day, `2020-06-30`: services known to exist on it (first seen on or before it,
    /// last seen on or after it).
    #[param(format = Date)]
    date: Option<String>,
    /// A commune id, `COUNTRY-CODE`, e.g. `BE-33011` (Ieper) or `FR-59183` (Dunkerque):
    /// services located in it.
    commune: Option<String>,
    /// A region id from `GET /api/regions`, e.g. `westhoek`: services in its communes and
    /// those kept just outside them (within 5 km); an unknown region is a 404 naming it.
    region: Option<String>,
}

/// Filters of the communes exports. Any other parameter is a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CommunesFilter {
    /// `minlon,minlat,maxlon,maxlat` in WGS 84 degrees (CRS84): communes whose outline
    /// intersects the box.
    bbox: Option<String>,
    /// A commune id, `COUNTRY-CODE`, e.g. `BE-33011`: that commune alone.
    commune: Option<String>,
    /// A region id from `GET /api/regions`, e.g. `westhoek`: its communes; an unknown
    /// region is a 404 naming it.
    region: Option<String>,
}

/// What a request selects, parsed into types; a malformed value is a 400 naming it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Selection {
    bbox: Option<Bbox>,
    date: Option<NaiveDate>,
    category: Option<ServiceCategory>,
    commune: Option<CommuneId>,
    region: Option<RegionId>,
}

impl Selection {
    fn of_services(filter: ServicesFilter) -> Result<Selection, ParamError> {
        Ok(Selection {
            bbox: filter.bbox.as_deref().map(Bbox::parse).transpose()?,
            date: filter
                .date
                .as_deref()
                .map(|d| params::day("date", d))
                .transpose()?,
            category: filter
                .category
                .as_deref()
                .map(|c| {
                    ServiceCategory::parse(c)
                        .map_err(|e| ParamError::new("category", e.to_string()))
                })
                .transpose()?,
            commune: filter
                .commune
                .as_deref()
                .map(|c| params::commune("commune", c))
                .transpose()?,
            region: region_of(filter.region.as_deref())?,
        })
    }

    fn of_communes(filter: CommunesFilter) -> Result<Selection, ParamError> {
        Ok(Selection {
            bbox: filter.bbox.as_deref().map(Bbox::parse).transpose()?,
            commune: filter
                .commune
                .as_deref()
                .map(|c| params::commune("commune", c))
                .transpose()?,
            region: region_of(filter.region.as_deref())?,
            ..Selection::default()
        })
    }

    /// Checks what only the database knows: that the category, the commune and the region
    /// exist.
    async fn check(&self, pool: &ReadPool) -> Result<(), ApiError> {
        if let Some(region) = &self.region {
            params::known_region(pool.pool(), region).await?;
        }
        if let Some(category) = &self.category {
            check_category(pool, category.as_str()).await?;
        }
        if let Some(commune) = &self.commune {
            let exists: bool = sqlx::query_scalar(include_str!("../sql/export_commune_exists.sql"))
                .bind(commune.code().country().iso2())
                .bind(commune.code().code())
                .fetch_one(pool.pool())
                .await?;
            if !exists {
                return Err(ParamError::new(
                    "commune",
                    format!("no commune {commune}; ids are COUNTRY-CODE, e.g. BE-33011"),
                )
                .into());
            }
        }
        Ok(())
    }

    fn bbox_part(&self, part: fn(&Bbox) -> f64) -> Option<f64> {
        self.bbox.as_ref().map(part)
    }

    fn country(&self) -> Option<&'static str> {
        self.commune.as_ref().map(|c| c.code().country().iso2())
    }

    fn commune_code(&self) -> Option<String> {
        self.commune.as_ref().map(|c| c.code().code().to_owned())
    }

    fn region_id(&self) -> Option<&str> {
        self.region.as_ref().map(RegionId::as_str)
    }

    /// `westhoek-services-pharmacy-BE-33011-2026-11-28.csv`: what (the region, else the
    /// observatory, then the layer and filters) and when (today, UTC). Every part is a
    /// validated id, safe in a header.
    fn file_name(&self, layer: &str, format: Format) -> String {
        let whose = self.region_id().unwrap_or(OBSERVATORY);
        let mut parts = vec![whose.to_owned(), layer.to_owned()];
        if let Some(category) = &self.category {
            parts.push(category.to_string());
        }
        if let Some(commune) = &self.commune {
            parts.push(commune.to_string());
        }
        if let Some(date) = &self.date {
            parts.push(format!("on-{date}"));
        }
        if self.bbox.is_some() {
            parts.push("bbox".to_owned());
        }
        parts.push(chrono::Utc::now().format("%Y-%m-%d").to_string());
        format!("{}.{}", parts.join("-"), format.extension())
    }
}

/// The `region` parameter of an export, parsed; empty is absent.
fn region_of(text: Option<&str>) -> Result<Option<RegionId>, ParamError> {
    text.filter(|t| !t.is_empty())
        .map(params::region)
        .transpose()
}

fn download(format: Format, file_name: &str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------
// Rows

/// A service as the exports write it.
#[derive(Debug, sqlx::FromRow, Serialize)]
struct ServiceRow {
    id: i64,
    category: String,
    group: String,
    name: Option<String>,
    address: Option<String>,
    commune: Option<String>,
    country: Option<String>,
    sources: Vec<String>,
    first_seen: NaiveDate,
    last_seen: NaiveDate,
    closure_candidate: bool,
    #[serde(skip)]
    lon: f64,
    #[serde(skip)]
    lat: f64,
}

/// The columns of the services CSV, in order.
const SERVICE_COLUMNS: [&str; 13] = [
    "id",
    "category",
    "group",
    "name",
    "address",
    "commune",
    "country",
    "sources",
    "first_seen",
    "last_seen",
    "closure_candidate",
    "lon",
    "lat",
];

/// A commune with its main indicators as the exports write it; `None` is a value the
/// data cannot support.
#[derive(Debug, sqlx::FromRow, Serialize)]
struct CommuneRow {
    id: String,
    country: String,
    code: String,
    name: String,
    name_nl: Option<String>,
    name_fr: Option<String>,
    arrondissement_code: Option<String>,
    arrondissement_nl: Option<String>,
    arrondissement_fr: Option<String>,
    intercommunality_code: Option<String>,
    intercommunality_name: Option<String>,
    area_km2: f64,
    population: Option<i32>,
    population_year: Option<i32>,
    nearest_pharmacy_m: Option<f64>,
    nearest_hospital_m: Option<f64>,
    nearest_rail_station_m: Option<f64>,
    nearest_post_office_m: Option<f64>,
    nearest_secondary_school_m: Option<f64>,
    population_change_pct: Option<f64>,
    #[serde(skip)]
    geometry: String,
}

/// The columns of the communes CSV, in order (the fields of [`CommuneRow`] but geometry).
const COMMUNE_COLUMNS: [&str; 20] = [
    "id",
    "country",
    "code",
    "name",
    "name_nl",
    "name_fr",
    "arrondissement_code",
    "arrondissement_nl",
    "arrondissement_fr",
    "intercommunality_code",
    "intercommunality_name",
    "area_km2",
    "population",
    "population_year",
    "nearest_pharmacy_m",
    "nearest_hospital_m",
    "nearest_rail_station_m",
    "nearest_post_office_m",
    "nearest_secondary_school_m",
    "population_change_pct",
];

/// Degrees to 6 decimals (about 10 cm), as the other GeoJSON of the server.
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Serialises rows, one at a time, into a byte buffer of its own.
trait Writer<T>: Send {
    fn head(&mut self) -> std::io::Result<()>;
    fn row(&mut self, row: &T) -> std::io::Result<()>;
    fn tail(&mut self) -> std::io::Result<()>;
    /// Bytes written and not taken yet (about).
    fn buffered(&self) -> usize;
    /// Takes the bytes written so far.
    fn take(&mut self) -> std::io::Result<Vec<u8>>;
}

fn chunk_buffer() -> Vec<u8> {
    Vec::with_capacity(CHUNK_BYTES + 16 * 1024)
}

/// A FeatureCollection, one feature per line.
struct GeoJsonWriter {
    out: Vec<u8>,
    first: bool,
}

impl GeoJsonWriter {
    fn new() -> GeoJsonWriter {
        GeoJsonWriter {
            out: chunk_buffer(),
            first: true,
        }
    }
}

impl<T> Writer<T> for GeoJsonWriter
where
    GeoJsonWriter: FeatureOf<T>,
{
    fn head(&mut self) -> std::io::Result<()> {
        self.out
            .extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[\n");
        Ok(())
    }

    fn row(&mut self, row: &T) -> std::io::Result<()> {
        if !self.first {
            self.out.extend_from_slice(b",\n");
        }
        self.first = false;
        self.feature(row)
    }

    fn tail(&mut self) -> std::io::Result<()> {
        self.out.extend_from_slice(b"\n]}\n");
        Ok(())
    }

    fn buffered(&self) -> usize {
        self.out.len()
    }

    fn take(&mut self) -> std::io::Result<Vec<u8>> {
        Ok(std::mem::replace(&mut self.out, chunk_buffer()))
    }
}

/// How a row becomes an RFC 7946 feature.
trait FeatureOf<T> {
    fn feature(&mut self, row: &T) -> std::io::Result<()>;
}

impl FeatureOf<ServiceRow> for GeoJsonWriter {
    fn feature(&mut self, s: &ServiceRow) -> std::io::Result<()> {
        write!(
            self.out,
            "{{\"type\":\"Feature\",\"id\":{},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{},{}]}},\"properties\":",
            s.id,
            round6(s.lon),
            round6(s.lat)
        )?;
        serde_json::to_writer(&mut self.out, s)?;
        self.out.push(b'}');
        Ok(())
    }
}

impl FeatureOf<CommuneRow> for GeoJsonWriter {
    fn feature(&mut self, c: &CommuneRow) -> std::io::Result<()> {
        self.out.extend_from_slice(b"{\"type\":\"Feature\",\"id\":");
        serde_json::to_writer(&mut self.out, &c.id)?;
        // The geometry is GeoJSON text written by PostGIS (ST_AsGeoJSON): spliced as is.
        self.out.extend_from_slice(b",\"geometry\":");
        self.out.extend_from_slice(c.geometry.as_bytes());
        self.out.extend_from_slice(b",\"properties\":");
        serde_json::to_writer(&mut self.out, c)?;
        self.out.push(b'}');
        Ok(())
    }
}

/// RFC 4180 CSV in UTF-8 with a header row; an empty cell is a missing value.
struct CsvWriter {
    record: csv::ByteRecord,
    writer: csv::Writer<Vec<u8>>,
    columns: &'static [&'static str],
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(chunk_buffer())
}

impl CsvWriter {
    fn new(columns: &'static [&'static str]) -> CsvWriter {
        CsvWriter {
            record: csv::ByteRecord::new(),
            writer: csv_writer(),
            columns,
        }
    }
}

fn push_opt(record: &mut csv::ByteRecord, value: Option<impl ToString>) {
    match value {
        Some(v) => record.push_field(v.to_string().as_bytes()),
        None => record.push_field(b""),
    }
}

impl<T> Writer<T> for CsvWriter
where
    CsvWriter: RecordOf<T>,
{
    fn head(&mut self) -> std::io::Result<()> {
        self.record.clear();
        for column in self.columns {
            self.record.push_field(column.as_bytes());
        }
        Ok(self.writer.write_byte_record(&self.record)?)
    }

    fn row(&mut self, row: &T) -> std::io::Result<()> {
        self.record.clear();
        self.fill(row);
        Ok(self.writer.write_byte_record(&self.record)?)
    }

    fn tail(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    fn buffered(&self) -> usize {
        self.writer.get_ref().len()
    }

    fn take(&mut self) -> std::io::Result<Vec<u8>> {
        std::mem::replace(&mut self.writer, csv_writer())
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

/// How a row becomes a CSV record.
trait RecordOf<T> {
    fn fill(&mut self, row: &T);
}

impl RecordOf<ServiceRow> for CsvWriter {
    fn fill(&mut self, s: &ServiceRow) {
        let r = &mut self.record;
        r.push_field(s.id.to_string().as_bytes());
        r.push_field(s.category.as_bytes());
        r.push_field(s.group.as_bytes());
        push_opt(r, s.name.as_deref());
        push_opt(r, s.address.as_deref());
        push_opt(r, s.commune.as_deref());
        push_opt(r, s.country.as_deref());
        r.push_field(s.sources.join(";").as_bytes());
        r.push_field(s.first_seen.to_string().as_bytes());
        r.push_field(s.last_seen.to_string().as_bytes());
        r.push_field(if s.closure_candidate {
            b"true"
        } else {
            b"false"
        });
        r.push_field(round6(s.lon).to_string().as_bytes());
        r.push_field(round6(s.lat).to_string().as_bytes());
    }
}

impl RecordOf<CommuneRow> for CsvWriter {
    fn fill(&mut self, c: &CommuneRow) {
        let r = &mut self.record;
        r.push_field(c.id.as_bytes());
        r.push_field(c.country.as_bytes());
        r.push_field(c.code.as_bytes());
        r.push_field(c.name.as_bytes());
        push_opt(r, c.name_nl.as_deref());
        push_opt(r, c.name_fr.as_deref());
        push_opt(r, c.arrondissement_code.as_deref());
        push_opt(r, c.arrondissement_nl.as_deref());
        push_opt(r, c.arrondissement_fr.as_deref());
        push_opt(r, c.intercommunality_code.as_deref());
        push_opt(r, c.intercommunality_name.as_deref());
        r.push_field(c.area_km2.to_string().as_bytes());
        push_opt(r, c.population);
        push_opt(r, c.population_year);
        push_opt(r, c.nearest_pharmacy_m);
        push_opt(r, c.nearest_hospital_m);
        push_opt(r, c.nearest_rail_station_m);
        push_opt(r, c.nearest_post_office_m);
        push_opt(r, c.nearest_secondary_school_m);
        push_opt(r, c.population_change_pct);
    }
}

// ---------------------------------------------------------------------------------------
// Streaming

type Chunk = Result<Bytes, std::io::Error>;

/// How a streamed export ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pumped {
    Done,
    /// The client went away: its query must stop too.
    ClientGone,
    Failed,
}

/// Writes the rows into chunks and sends them; returns when the rows end, the client
/// goes away, or the query fails. A failure after the first byte cannot change the
/// status any more: the body ends with an error, so the client sees a broken download
/// rather than a short file.
async fn pump<T>(
    mut rows: BoxStream<'_, Result<T, sqlx::Error>>,
    mut writer: impl Writer<T>,
    mut tx: mpsc::Sender<Chunk>,
    what: &'static str,
) -> Pumped {
    let fail = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, export = what, "export failed");
        std::io::Error::other(format!("the {what} export failed"))
    };
    if let Err(e) = writer.head() {
        let _ = tx.send(Err(fail(&e))).await;
        return Pumped::Failed;
    }
    while let Some(row) = rows.next().await {
        let written = match row {
            Ok(row) => writer.row(&row).map_err(|e| fail(&e)),
            Err(e) => Err(fail(&e)),
        };
        if let Err(e) = written {
            let _ = tx.send(Err(e)).await;
            return Pumped::Failed;
        }
        if writer.buffered() >= CHUNK_BYTES {
            let chunk = writer.take().map(Bytes::from).map_err(|e| fail(&e));
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() {
                return Pumped::ClientGone;
            }
            if failed {
                return Pumped::Failed;
            }
        }
    }
    let last = writer
        .tail()
        .and_then(|()| writer.take())
        .map(Bytes::from)
        .map_err(|e| fail(&e));
    match tx.send(last).await {
        Ok(()) => Pumped::Done,
        Err(_) => Pumped::ClientGone,
    }
}

fn services_rows<'a>(
    db: &'a mut sqlx::PgConnection,
    selection: &Selection,
) -> BoxStream<'a, Result<ServiceRow, sqlx::Error>> {
    sqlx::query_as::<_, ServiceRow>(include_str!("../sql/export_services.sql"))
        .bind(selection.bbox_part(|b| b.min_lon))
        .bind(selection.bbox_part(|b| b.min_lat))
        .bind(selection.bbox_part(|b| b.max_lon))
        .bind(selection.bbox_part(|b| b.max_lat))
        .bind(selection.date)
        .bind(selection.category.as_ref().map(|c| c.as_str().to_owned()))
        .bind(selection.country())
        .bind(selection.commune_code())
        .bind(selection.region_id().map(str::to_owned))
        .fetch(db)
}

fn communes_rows<'a>(
    db: &'a mut sqlx::PgConnection,
    selection: &Selection,
) -> BoxStream<'a, Result<CommuneRow, sqlx::Error>> {
    sqlx::query_as::<_, CommuneRow>(include_str!("../sql/export_communes.sql"))
        .bind(selection.bbox_part(|b| b.min_lon))
        .bind(selection.bbox_part(|b| b.min_lat))
        .bind(selection.bbox_part(|b| b.max_lon))
        .bind(selection.bbox_part(|b| b.max_lat))
        .bind(selection.country())
        .bind(selection.commune_code())
        .bind(selection.region_id().map(str::to_owned))
        .fetch(db)
}

/// Streams an export to a client on a connection of its own, in a read-only transaction
/// with the exports' longer statement timeout. When the client goes away, the connection
/// is closed rather than given back: the backend then stops at once (it checks its
/// client, `client_connection_check_interval`), where a connection given back would let
/// the query run on until its rows were all sent and thrown away.
fn stream(mut conn: ExportConnection, selection: Selection, format: Format, layer: Layer) -> Body {
    let (tx, rx) = mpsc::channel::<Chunk>(CHANNEL_DEPTH);
    tokio::spawn(async move {
        let pumped = match (layer, format) {
            (Layer::Services, Format::GeoJson) => {
                pump(
                    services_rows(&mut conn, &selection),
                    GeoJsonWriter::new(),
                    tx,
                    "services",
                )
                .await
            }
            (Layer::Services, Format::Csv) => {
                let writer = CsvWriter::new(&SERVICE_COLUMNS);
                pump(services_rows(&mut conn, &selection), writer, tx, "services").await
            }
            (Layer::Communes, Format::GeoJson) => {
                pump(
                    communes_rows(&mut conn, &selection),
                    GeoJsonWriter::new(),
                    tx,
                    "communes",
                )
                .await
            }
            (Layer::Communes, Format::Csv) => {
                let writer = CsvWriter::new(&COMMUNE_COLUMNS);
                pump(communes_rows(&mut conn, &selection), writer, tx, "communes").await
            }
        };
        match pumped {
            Pumped::Done => {
                let ended =
                    sqlx::Executor::execute(&mut *conn, include_str!("../sql/export_end.sql"))
                        .await;
                if let Err(e) = ended {
                    tracing::warn!(error = %e, "ending an export's transaction");
                }
            }
            Pumped::ClientGone | Pumped::Failed => {
                tracing::info!(outcome = ?pumped, "export stopped; its connection is closed");
                drop(conn.detach());
            }
        }
    });
    Body::from_stream(rx)
}

type ExportConnection = sqlx::pool::PoolConnection<sqlx::Postgres>;

/// A connection in a read-only transaction whose statements may run as long as an
/// export takes. Taken before the answer begins, so that a database that does not answer
/// is a 503, not a download broken at its first byte.
async fn export_connection(pool: &ReadPool) -> Result<ExportConnection, sqlx::Error> {
    use sqlx::Executor;
    let mut conn = pool.pool().acquire().await?;
    conn.execute(sqlx::raw_sql(include_str!("../sql/export_begin.sql")))
        .await?;
    Ok(conn)
}

async fn services_export(
    state: AppState,
    query: ServicesFilter,
    format: Format,
) -> Result<Response, ApiError> {
    let selection = Selection::of_services(query)?;
    selection.check(state.read()).await?;
    let name = selection.file_name("services", format);
    Ok(download(
        format,
        &name,
        stream(
            export_connection(state.read()).await?,
            selection,
            format,
            Layer::Services,
        ),
    ))
}

async fn communes_export(
    state: AppState,
    query: CommunesFilter,
    format: Format,
) -> Result<Response, ApiError> {
    let selection = Selection::of_communes(query)?;
    selection.check(state.read()).await?;
    let name = selection.file_name("communes", format);
    Ok(download(
        format,
        &name,
        stream(
            export_connection(state.read()).await?,
            selection,
            format,
            Layer::Communes,
        ),
    ))
}

// ---------------------------------------------------------------------------------------
// Exports to a file (the command line's `observatory export`)

/// Which layer an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Services,
    Communes,
}

/// An export's filters as text, as given in a query string or on the command line.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub category: Option<String>,
    pub bbox: Option<String>,
    pub date: Option<String>,
    pub commune: Option<String>,
    pub region: Option<String>,
}

/// Why an export to a file failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A filter is malformed or names nothing; the message names the parameter.
    #[error("{0}")]
    Filter(String),
    #[error("the database failed during the export: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
}

impl From<ApiError> for ExportError {
    fn from(e: ApiError) -> ExportError {
        match e {
            ApiError::Unavailable(e) => ExportError::Database(e),
            other => ExportError::Filter(other.to_string()),
        }
    }
}

/// Writes the same bytes as `GET /exports/{layer}.{format}` with these filters to `out`,
/// chunk by chunk; `progress` is told the number of rows written after each chunk.
/// Returns the number of rows.
pub async fn write_export(
    pool: &ReadPool,
    layer: Layer,
    format: Format,
    filters: Filters,
    out: &mut (dyn Write + Send),
    mut progress: impl FnMut(u64) + Send,
) -> Result<u64, ExportError> {
    let selection = match layer {
        Layer::Services => Selection::of_services(ServicesFilter {
            category: filters.category,
            bbox: filters.bbox,
            date: filters.date,
            commune: filters.commune,
            region: filters.region,
        }),
        Layer::Communes => {
            for (name, value) in [("category", &filters.category), ("date", &filters.date)] {
                if value.is_some() {
                    return Err(ExportError::Filter(format!(
                        "{name}: the communes export takes only bbox, commune and region"
                    )));
                }
            }
            Selection::of_communes(CommunesFilter {
                bbox: filters.bbox,
                commune: filters.commune,
                region: filters.region,
            })
        }
    }
    .map_err(|e| ExportError::Filter(e.to_string()))?;
    selection.check(pool).await?;
    let mut conn = pool.pool().acquire().await?;
    match (layer, format) {
        (Layer::Services, Format::GeoJson) => {
            drain(
                services_rows(&mut conn, &selection),
                GeoJsonWriter::new(),
                out,
                &mut progress,
            )
            .await
        }
        (Layer::Services, Format::Csv) => {
            let writer = CsvWriter::new(&SERVICE_COLUMNS);
            drain(
                services_rows(&mut conn, &selection),
                writer,
                out,
                &mut progress,
            )
            .await
        }
        (Layer::Communes, Format::GeoJson) => {
            drain(
                communes_rows(&mut conn, &selection),
                GeoJsonWriter::new(),
                out,
                &mut progress,
            )
            .await
        }
        (Layer::Communes, Format::Csv) => {
            let writer = CsvWriter::new(&COMMUNE_COLUMNS);
            drain(
                communes_rows(&mut conn, &selection),
                writer,
                out,
                &mut progress,
            )
            .await
        }
    }
}

async fn drain<T>(
    mut rows: BoxStream<'_, Result<T, sqlx::Error>>,
    mut writer: impl Writer<T>,
    out: &mut (dyn Write + Send),
    progress: &mut (impl FnMut(u64) + Send),
) -> Result<u64, ExportError> {
    let mut count = 0u64;
    writer.head()?;
    while let Some(row) = rows.next().await {
        writer.row(&row?)?;
        count += 1;
        if writer.buffered() >= CHUNK_BYTES {
            out.write_all(&writer.take()?)?;
            progress(count);
        }
    }
    writer.tail()?;
    out.write_all(&writer.take()?)?;
    out.flush()?;
    progress(count);
    Ok(count)
}

// ---------------------------------------------------------------------------------------
// Handlers

/// Communes with their main indicators, as an RFC 7946 FeatureCollection.
///
/// Properties: id (`BE-33011`), country, code, official, Dutch and French names,
/// arrondissement, intercommunality, area_km2, latest population and its year, the
/// distance in metres to the nearest pharmacy, hospital, rail station, post office and
/// secondary school (across the border), and the population change in percent; `null`
/// where the data cannot support a value. Streamed; the file name says what and when.
#[utoipa::path(
    get,
    path = "/exports/communes.geojson",
    tag = "exports",
    params(CommunesFilter),
    responses(
        (status = 200, description = "FeatureCollection of the selected communes (attachment)", content_type = "application/geo+json", body = String),
        (status = 400, description = "A filter is malformed or names no commune; the message names the parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such region; the message names it and the regions there are", body = crate::error::ErrorBody),
    )
)]
async fn communes_geojson(
    State(state): State<AppState>,
    Query(query): Query<CommunesFilter>,
) -> Result<Response, ApiError> {
    communes_export(state, query, Format::GeoJson).await
}

/// Communes with their main indicators as CSV (UTF-8, header row; an empty cell is a
/// value the data cannot support), the same columns as the GeoJSON properties.
#[utoipa::path(
    get,
    path = "/exports/communes.csv",
    tag = "exports",
    params(CommunesFilter),
    responses(
        (status = 200, description = "CSV of the selected communes (attachment)", content_type = "text/csv; charset=utf-8", body = String),
        (status = 400, description = "A filter is malformed or names no commune; the message names the parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such region; the message names it and the regions there are", body = crate::error::ErrorBody),
    )
)]
async fn communes_csv(
    State(state): State<AppState>,
    Query(query): Query<CommunesFilter>,
) -> Result<Response, ApiError> {
    communes_export(state, query, Format::Csv).await
}

/// Services as an RFC 7946 FeatureCollection of points.
///
/// Properties: id, category (taxonomy id), group, name, address, commune (`BE-33011`,
/// `null` for services just outside the study area), country, sources (the sources that
/// describe it), first_seen and last_seen (the days it is known to exist),
/// closure_candidate. Streamed in id order; the file name says what and when.
#[utoipa::path(
    get,
    path = "/exports/services.geojson",
    tag = "exports",
    params(ServicesFilter),
    responses(
        (status = 200, description = "FeatureCollection of the selected services (attachment)", content_type = "application/geo+json", body = String),
        (status = 400, description = "A filter is malformed, or names no category or commune; the message names the parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such region; the message names it and the regions there are", body = crate::error::ErrorBody),
    )
)]
async fn services_geojson(
    State(state): State<AppState>,
    Query(query): Query<ServicesFilter>,
) -> Result<Response, ApiError> {
    services_export(state, query, Format::GeoJson).await
}

/// Services as CSV (UTF-8, header row): id, category, group, name, address, commune,
/// country, sources (`;`-separated), first_seen, last_seen, closure_candidate, lon, lat
/// (WGS 84 degrees).
#[utoipa::path(
    get,
    path = "/exports/services.csv",
    tag = "exports",
    params(ServicesFilter),
    responses(
        (status = 200, description = "CSV of the selected services (attachment)", content_type = "text/csv; charset=utf-8", body = String),
        (status = 400, description = "A filter is malformed, or names no category or commune; the message names the parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such region; the message names it and the regions there are", body = crate::error::ErrorBody),
    )
)]
async fn services_csv(
    State(state): State<AppState>,
    Query(query): Query<ServicesFilter>,
) -> Result<Response, ApiError> {
    services_export(state, query, Format::Csv).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(category: &str, bbox: &str, date: &str, commune: &str) -> ServicesFilter {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        ServicesFilter {
            category: some(category),
            bbox: some(bbox),
            date: some(date),
            commune: some(commune),
            region: None,
        }
    }

    #[test]
    fn filters_parse_into_types_and_name_the_bad_parameter() {
        let s = Selection::of_services(filter(
            "pharmacy",
            "2.8,50.8,3.0,50.9",
            "2020-06-30",
            "BE-33011",
        ))
        .expect("a selection");
        assert_eq!(s.category.as_ref().map(|c| c.as_str()), Some("pharmacy"));
        assert_eq!(s.date, NaiveDate::from_ymd_opt(2020, 6, 30));
        assert_eq!(s.country(), Some("BE"));
        assert_eq!(s.commune_code().as_deref(), Some("33011"));
        let name = s.file_name("services", Format::Csv);
        assert!(
            name.starts_with("westhoek-services-pharmacy-BE-33011-on-2020-06-30-bbox-")
                && name.ends_with(".csv"),
            "{name}"
        );

        for (bad, parameter) in [
            (filter("Pharmacy!", "", "", ""), "category"),
            (filter("", "1,2,3", "", ""), "bbox"),
            (filter("", "", "30/06/2020", ""), "date"),
            (filter("", "", "2020-02-30", ""), "date"),
            (filter("", "", "", "33011"), "commune"),
            (
                ServicesFilter {
                    region: Some("West Hoek".into()),
                    ..ServicesFilter::default()
                },
                "region",
            ),
        ] {
            let message =
                ApiError::from(Selection::of_services(bad).expect_err(parameter)).to_string();
            assert!(
                message.contains(&format!("query parameter {parameter}")),
                "{message}"
            );
        }
    }

    #[test]
    fn a_region_names_the_file_in_place_of_the_observatory() {
        let s = Selection::of_communes(CommunesFilter {
            region: Some("ardennes".into()),
            ..CommunesFilter::default()
        })
        .expect("a selection");
        let name = s.file_name("communes", Format::GeoJson);
        assert!(
            name.starts_with("ardennes-communes-") && name.ends_with(".geojson"),
            "{name}"
        );
        // empty is absent, as the map's links may send it
        let s = Selection::of_communes(CommunesFilter {
            region: Some(String::new()),
            ..CommunesFilter::default()
        })
        .expect("a selection");
        assert_eq!(s.region, None);
    }

    #[test]
    fn csv_headers_match_the_records() {
        let row = ServiceRow {
            id: 7,
            category: "pharmacy".into(),
            group: "health".into(),
            name: Some("Apotheek \"De Leeuw\", Ieper".into()),
            address: None,
            commune: Some("BE-33011".into()),
            country: Some("BE".into()),
            sources: vec!["a".into(), "b".into()],
            first_seen: NaiveDate::from_ymd_opt(2022, 1, 1).unwrap_or_default(),
            last_seen: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            closure_candidate: false,
            lon: 2.885_000_04,
            lat: 50.85,
        };
        let mut writer = CsvWriter::new(&SERVICE_COLUMNS);
        Writer::<ServiceRow>::head(&mut writer).expect("head");
        Writer::<ServiceRow>::row(&mut writer, &row).expect("row");
        let out = Writer::<ServiceRow>::take(&mut writer).expect("bytes");
        let mut reader = csv::Reader::from_reader(out.as_slice());
        let headers = reader.headers().expect("headers").clone();
        let records: Vec<csv::StringRecord> =
            reader.records().collect::<Result<_, _>>().expect("records");
        assert_eq!(headers.len(), records[0].len());
        assert_eq!(&records[0][3], "Apotheek \"De Leeuw\", Ieper");
        assert_eq!(&records[0][7], "a;b");
        assert_eq!(&records[0][11], "2.885");

        let mut geojson = GeoJsonWriter::new();
        Writer::<ServiceRow>::head(&mut geojson).expect("head");
        Writer::<ServiceRow>::row(&mut geojson, &row).expect("row");
        Writer::<ServiceRow>::row(&mut geojson, &row).expect("row");
        Writer::<ServiceRow>::tail(&mut geojson).expect("tail");
        let out = Writer::<ServiceRow>::take(&mut geojson).expect("bytes");
        let parsed: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(
            parsed["features"][0]["geometry"]["coordinates"],
            serde_json::json!([2.885, 50.85])
        );
        assert_eq!(parsed["features"][0]["properties"]["sources"][1], "b");
        assert!(parsed["features"][0]["properties"].get("lon").is_none());
    }

    #[test]
    fn commune_columns_are_the_serialised_fields() {
        let row = CommuneRow {
            id: "BE-33011".into(),
            country: "BE".into(),
            code: "33011".into(),
            name: "Ieper".into(),
            name_nl: Some("Ieper".into()),
            name_fr: Some("Ypres".into()),
            arrondissement_code: None,
            arrondissement_nl: None,
            arrondissement_fr: None,
            intercommunality_code: None,
            intercommunality_name: None,
            area_km2: 130.6,
            population: Some(35_000),
            population_year: Some(2025),
            nearest_pharmacy_m: Some(400.0),
            nearest_hospital_m: None,
            nearest_rail_station_m: None,
            nearest_post_office_m: None,
            nearest_secondary_school_m: None,
            population_change_pct: Some(-1.25),
            geometry: "{}".into(),
        };
        let value = serde_json::to_value(&row).expect("JSON");
        let keys: Vec<&str> = value
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut columns = COMMUNE_COLUMNS.to_vec();
        let mut sorted_keys = keys.clone();
        columns.sort_unstable();
        sorted_keys.sort_unstable();
        assert_eq!(sorted_keys, columns);
        let mut writer = CsvWriter::new(&COMMUNE_COLUMNS);
        Writer::<CommuneRow>::row(&mut writer, &row).expect("row");
        let out = Writer::<CommuneRow>::take(&mut writer).expect("bytes");
        let line = String::from_utf8(out).expect("UTF-8");
        assert_eq!(line.trim_end().split(',').count(), COMMUNE_COLUMNS.len());
    }
}
