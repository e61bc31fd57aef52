//! The one write path for services outside the batch ingest: create a service, close it,
//! or change it, each with the provenance that says which source saw it on which day,
//! and the indicators it can affect refreshed (`indicators::refresh_for_service`), all in
//! the caller's transaction. What an accepted citizen report will call.
//!
//! Every input is checked before anything is written (the source and category exist, the
//! service exists, the point lies in the study area or its 5 km margin); the writes run
//! in a savepoint, so an error leaves the caller's transaction as it was.

use chrono::NaiveDate;
use sqlx::{Connection, PgConnection};

use crate::indicators::{refresh_for_service, ServiceChange};
use crate::ServiceCategory;

/// A position as WGS 84 (EPSG:4326) longitude and latitude in degrees, finite and in
/// range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wgs84Point {
    longitude: f64,
    latitude: f64,
}

/// Why a longitude/latitude pair is not a WGS 84 position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PositionError {
    #[error("longitude {0} is not a finite number")]
    LongitudeNotFinite(f64),
    #[error("latitude {0} is not a finite number")]
    LatitudeNotFinite(f64),
    #[error("longitude {0} is outside -180..=180 degrees")]
    LongitudeOutOfRange(f64),
    #[error("latitude {0} is outside -90..=90 degrees")]
    LatitudeOutOfRange(f64),
}

impl Wgs84Point {
    pub fn new(longitude: f64, latitude: f64) -> Result<Self, PositionError> {
        if !longitude.is_finite() {
            return Err(PositionError::LongitudeNotFinite(longitude));
        }
        if !latitude.is_finite() {
            return Err(PositionError::LatitudeNotFinite(latitude));
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(PositionError::LongitudeOutOfRange(longitude));
        }
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(PositionError::LatitudeOutOfRange(latitude));
        }
        Ok(Wgs84Point {
            longitude,
            latitude,
        })
    }

    pub fn longitude(&self) -> f64 {
        self.longitude
    }

    pub fn latitude(&self) -> f64 {
        self.latitude
    }
}

/// Who saw it, and when: a record of a registered source (the `source` table) and the
/// day of the observation. A record already describing the service gains the day; a new
/// one is a new provenance row.
#[derive(Debug, Clone)]
pub struct Observation {
    pub source_id: String,
    pub record_id: String,
    pub on: NaiveDate,
}

/// One write to the services.
#[derive(Debug, Clone)]
pub enum ServiceWrite {
    /// A new service, known from the observation's day.
    Create {
        category: ServiceCategory,
        position: Wgs84Point,
        name: Option<String>,
        address: Option<String>,
        observed: Observation,
    },
    /// The service was last known to exist on the observation's day: it is no longer
    /// open (`closure_candidate`, which the indicators read as closed).
    Close {
        service_id: i64,
        observed: Observation,
    },
    /// The service as seen on the observation's day: each `Some` replaces what is known
    /// (`name: Some(None)` clears the name); a new position places it in its commune again.
    Change {
        service_id: i64,
        category: Option<ServiceCategory>,
        name: Option<Option<String>>,
        position: Option<Wgs84Point>,
        observed: Observation,
    },
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub service_id: i64,
    /// Communes whose indicators were recomputed (for a move or a change of category,
    /// the sum of the refreshes for the old and the new place or category).
    pub communes_refreshed: u64,
}

/// Why a write was refused or failed; nothing of it is left in the database.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("unknown source {0:?}: no source with that id is registered")]
    UnknownSource(String),
    #[error("unknown service id {0}")]
    UnknownService(i64),
    #[error("unknown service category {0:?}: not in the taxonomy")]
    UnknownCategory(String),
    #[error("point ({longitude}, {latitude}) is outside the study area and its 5 km margin")]
    OutsideStudyArea { longitude: f64, latitude: f64 },
    #[error("service {service_id} cannot be closed on {on}: it was first seen on {first_seen}")]
    ClosedBeforeFirstSeen {
        service_id: i64,
        on: NaiveDate,
        first_seen: NaiveDate,
    },
    #[error("record {record_id:?} of source {source_id:?} already describes another service")]
    RecordOfAnotherService {
        source_id: String,
        record_id: String,
    },
    #[error("database error while {what}: {source}")]
    Database {
        what: &'static str,
        #[source]
        source: sqlx::Error,
    },
}

fn db(what: &'static str) -> impl FnOnce(sqlx::Error) -> WriteError {
    move |source| WriteError::Database { what, source }
}

/// Applies one write, its provenance and the refresh of the indicators it affects, in
/// the caller's transaction (in a savepoint of it: on error nothing of the write stays).
///
/// The future is boxed as `Send` here, where its lifetimes are concrete: a server
/// handler awaiting the bare `async fn` fails to prove it `Send` (rustc issue 100013).
pub fn write<'a>(
    conn: &'a mut PgConnection,
    write: &'a ServiceWrite,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Written, WriteError>> + Send + 'a>> {
    Box::pin(apply(conn, write))
}

async fn apply(conn: &mut PgConnection, write: &ServiceWrite) -> Result<Written, WriteError> {
    let mut tx = conn.begin().await.map_err(db("opening a savepoint"))?;
    let written = match write {
        ServiceWrite::Create {
            category,
            position,
            name,
            address,
            observed,
        } => create(&mut tx, category, *position, name, address, observed).await?,
        ServiceWrite::Close {
            service_id,
            observed,
        } => close(&mut tx, *service_id, observed).await?,
        ServiceWrite::Change {
            service_id,
            category,
            name,
            position,
            observed,
        } => {
            change(
                &mut tx,
                *service_id,
                category.as_ref(),
                name,
                *position,
                observed,
            )
            .await?
        }
    };
    tx.commit().await.map_err(db("releasing the savepoint"))?;
    Ok(written)
}

/// The one country the source covers, if it is registered (else an error).
async fn source_country(
    conn: &mut PgConnection,
    source_id: &str,
) -> Result<Option<String>, WriteError> {
    let row: Option<(Option<String>,)> = sqlx::query_as(include_str!("sql/source_country.sql"))
        .bind(source_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db("reading the source"))?;
    row.map(|(country,)| country)
        .ok_or_else(|| WriteError::UnknownSource(source_id.to_owned()))
}

async fn check_category(
    conn: &mut PgConnection,
    category: &ServiceCategory,
) -> Result<(), WriteError> {
    let known: bool = sqlx::query_scalar(include_str!("sql/category_exists.sql"))
        .bind(category.as_str())
        .fetch_one(&mut *conn)
        .await
        .map_err(db("reading the taxonomy"))?;
    if known {
        Ok(())
    } else {
        Err(WriteError::UnknownCategory(category.as_str().to_owned()))
    }
}

/// The commune (country, code) a point lies in, `(None, None)` in the margin, or an
/// error outside the widened study area. `margin_country` is the country given to points
/// of the margin (the source's one country, as the ingest does).
async fn locate(
    conn: &mut PgConnection,
    position: Wgs84Point,
    margin_country: Option<String>,
) -> Result<(Option<String>, Option<String>), WriteError> {
    let (country, code, in_area): (Option<String>, Option<String>, bool) =
        sqlx::query_as(include_str!("sql/locate.sql"))
            .bind(position.longitude)
            .bind(position.latitude)
            .fetch_one(&mut *conn)
            .await
            .map_err(db("locating the point"))?;
    if !in_area {
        return Err(WriteError::OutsideStudyArea {
            longitude: position.longitude,
            latitude: position.latitude,
        });
    }
    match (country, code) {
        (Some(country), Some(code)) => Ok((Some(country), Some(code))),
        _ => Ok((margin_country, None)),
    }
}

struct Existing {
    category: ServiceCategory,
    position: (f64, f64),
    first_seen: NaiveDate,
}

async fn existing(conn: &mut PgConnection, service_id: i64) -> Result<Existing, WriteError> {
    let row: Option<(String, f64, f64, NaiveDate)> =
        sqlx::query_as(include_str!("sql/service_for_update.sql"))
            .bind(service_id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("reading the service"))?;
    let (category, longitude, latitude, first_seen) =
        row.ok_or(WriteError::UnknownService(service_id))?;
    let category = ServiceCategory::parse(&category)
        .map_err(|_| WriteError::UnknownCategory(category.clone()))?;
    Ok(Existing {
        category,
        position: (longitude, latitude),
        first_seen,
    })
}

async fn record_provenance(
    conn: &mut PgConnection,
    service_id: i64,
    category: &ServiceCategory,
    status: Option<&str>,
    observed: &Observation,
) -> Result<(), WriteError> {
    let recorded: Option<i64> = sqlx::query_scalar(include_str!("sql/record_provenance.sql"))
        .bind(service_id)
        .bind(&observed.source_id)
        .bind(&observed.record_id)
        .bind(category.as_str())
        .bind(status)
        .bind(observed.on)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db("recording the provenance"))?;
    match recorded {
        Some(_) => Ok(()),
        None => Err(WriteError::RecordOfAnotherService {
            source_id: observed.source_id.clone(),
            record_id: observed.record_id.clone(),
        }),
    }
}

async fn refresh(
    conn: &mut PgConnection,
    category: &ServiceCategory,
    service_id: i64,
    (longitude, latitude): (f64, f64),
) -> Result<u64, WriteError> {
    let change = ServiceChange {
        category: category.clone(),
        service_id,
        longitude,
        latitude,
    };
    refresh_for_service(conn, &change)
        .await
        .map_err(db("refreshing the indicators"))
}

async fn create(
    conn: &mut PgConnection,
    category: &ServiceCategory,
    position: Wgs84Point,
    name: &Option<String>,
    address: &Option<String>,
    observed: &Observation,
) -> Result<Written, WriteError> {
    let margin_country = source_country(conn, &observed.source_id).await?;
    check_category(conn, category).await?;
    let (country, code) = locate(conn, position, margin_country).await?;
    let service_id: i64 = sqlx::query_scalar(include_str!("sql/insert_service.sql"))
        .bind(category.as_str())
        .bind(name)
        .bind(address)
        .bind(country)
        .bind(code)
        .bind(position.longitude)
        .bind(position.latitude)
        .bind(observed.on)
        .bind(&observed.source_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db("inserting the service"))?;
    record_provenance(conn, service_id, category, None, observed).await?;
    let communes_refreshed = refresh(
        conn,
        category,
        service_id,
        (position.longitude, position.latitude),
    )
    .await?;
    Ok(Written {
        service_id,
        communes_refreshed,
    })
}

async fn close(
    conn: &mut PgConnection,
    service_id: i64,
    observed: &Observation,
) -> Result<Written, WriteError> {
    source_country(conn, &observed.source_id).await?;
    let old = existing(conn, service_id).await?;
    if observed.on < old.first_seen {
        return Err(WriteError::ClosedBeforeFirstSeen {
            service_id,
            on: observed.on,
            first_seen: old.first_seen,
        });
    }
    sqlx::query(include_str!("sql/close_service.sql"))
        .bind(service_id)
        .bind(observed.on)
        .execute(&mut *conn)
        .await
        .map_err(db("closing the service"))?;
    record_provenance(conn, service_id, &old.category, Some("closed"), observed).await?;
    let communes_refreshed = refresh(conn, &old.category, service_id, old.position).await?;
    Ok(Written {
        service_id,
        communes_refreshed,
    })
}

async fn change(
    conn: &mut PgConnection,
    service_id: i64,
    category: Option<&ServiceCategory>,
    name: &Option<Option<String>>,
    position: Option<Wgs84Point>,
    observed: &Observation,
) -> Result<Written, WriteError> {
    let margin_country = source_country(conn, &observed.source_id).await?;
    let old = existing(conn, service_id).await?;
    let new_category = category.unwrap_or(&old.category).clone();
    check_category(conn, &new_category).await?;
    let (country, code) = match position {
        Some(position) => locate(conn, position, margin_country).await?,
        None => (None, None),
    };
    sqlx::query(include_str!("sql/change_service.sql"))
        .bind(service_id)
        .bind(observed.on)
        .bind(new_category.as_str())
        .bind(name.is_some())
        .bind(name.as_ref().and_then(|n| n.as_deref()))
        .bind(position.map(|p| p.longitude))
        .bind(position.map(|p| p.latitude))
        .bind(country)
        .bind(code)
        .execute(&mut *conn)
        .await
        .map_err(db("changing the service"))?;
    record_provenance(conn, service_id, &new_category, None, observed).await?;
    let new_position = position.map_or(old.position, |p| (p.longitude, p.latitude));
    let mut communes_refreshed = 0;
    if new_category != old.category || new_position != old.position {
        communes_refreshed += refresh(conn, &old.category, service_id, old.position).await?;
    }
    communes_refreshed += refresh(conn, &new_category, service_id, new_position).await?;
    Ok(Written {
        service_id,
        communes_refreshed,
    })
}
