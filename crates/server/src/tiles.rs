//! The vector tile layers, the queries that select their features in PostGIS (encoded by
//! [`crate::mvt`]), and the in-process tile cache keyed by each layer's data version.
//!
//! Tiles are read from the read database ([`ReadPool`]), which may be a replica a moment
//! behind the primary. What keeps a tile of older data from being filed, and served as
//! immutable, under a newer version: the versions this server knows are read from that same
//! read database (the primary's notifications only say when to look, [`follow_versions`]),
//! and every tile's query reads the layer's version in the snapshot its features come from
//! (`data_version`), so the version a tile is built from is known, not assumed. A tile built
//! from data older than the version it was asked under (a read URL that leads to a standby
//! further behind than the one the version was read from: a balancer over several standbys,
//! a switch to another) is answered under its own, older version and not cached
//! ([`CacheStatus::Behind`]). A tile of newer data than its key is harmless: the key's
//! entries are dropped as soon as the newer version is known.

use std::io::Write;
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock, RwLock, Weak};
use std::time::Duration;

use axum::http::HeaderValue;
use bytes::Bytes;
use chrono::NaiveDate;
use moka::future::Cache;
use observatory_core::database::ReadPool;
use serde_json::{json, Value};
use sqlx::postgres::PgListener;
use sqlx::PgPool;

use crate::mvt::{data_version, encode_tile, layer_from_rows, Lookup, RowError, TileFrame};
use crate::tile_connections::TileConnections;
use crate::ApiError;

/// A layer served as vector tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    Communes,
    Services,
    Borders,
}

impl Layer {
    pub const ALL: [Layer; 3] = [Layer::Communes, Layer::Services, Layer::Borders];

    pub fn id(self) -> &'static str {
        match self {
            Layer::Communes => "communes",
            Layer::Services => "services",
            Layer::Borders => "borders",
        }
    }

    fn index(self) -> usize {
        match self {
            Layer::Communes => 0,
            Layer::Services => 1,
            Layer::Borders => 2,
        }
    }

    pub(crate) fn tile_sql(self) -> &'static str {
        match self {
            Layer::Communes => include_str!("sql/tile_communes.sql"),
            Layer::Services => include_str!("sql/tile_services.sql"),
            Layer::Borders => include_str!("sql/tile_borders.sql"),
        }
    }

    pub(crate) fn bounds_sql(self) -> &'static str {
        match self {
            Layer::Communes => include_str!("sql/bounds_communes.sql"),
            Layer::Services => include_str!("sql/bounds_services.sql"),
            Layer::Borders => include_str!("sql/bounds_borders.sql"),
        }
    }

    /// The properties added to the layer's features from a second query (see
    /// [`Lookup`]): the column of the tile query that keys them, and the query.
    fn lookup(self) -> Option<(&'static str, &'static str)> {
        match self {
            Layer::Communes => Some(("id", include_str!("sql/tile_communes_lookup.sql"))),
            Layer::Services => Some(("category", include_str!("sql/tile_services_lookup.sql"))),
            Layer::Borders => None,
        }
    }

    /// The column of the tile query whose value is the MVT feature id, if any.
    fn feature_id_column(self) -> Option<&'static str> {
        match self {
            Layer::Services => Some("id"),
            Layer::Communes | Layer::Borders => None,
        }
    }

    /// Whether the layer's tiles take a `date` (the services that existed on it).
    pub fn takes_date(self) -> bool {
        matches!(self, Layer::Services)
    }

    pub fn description(self) -> &'static str {
        match self {
            Layer::Communes => "Communes of Belgium and France with population, density and the main indicators",
            Layer::Services => "Everyday services as points, with category, group, sources and the dates they are known to exist; add date=YYYY-MM-DD to the tile URL for those that existed on that date",
            Layer::Borders => "The Belgian–French national border and the outlines of arrondissements and intercommunalities",
        }
    }

    /// The attribute fields of the layer, for TileJSON's `vector_layers`.
    pub fn fields(self) -> Value {
        match self {
            Layer::Communes => json!({
                "id": "String: COUNTRY-CODE, e.g. BE-33011",
                "code": "String: NIS (BE) or INSEE (FR) code",
                "country": "String: BE or FR",
                "name": "String: official name",
                "name_nl": "String: Dutch name",
                "name_fr": "String: French name",
                "region": "String: id of the region the commune belongs to, e.g. westhoek (GET /api/regions)",
                "population": "Number: latest population counting exactly this commune",
                "population_year": "Number: year of that population",
                "area_km2": "Number: area in km²",
                "density": "Number: inhabitants per km²",
                "nearest_pharmacy_m": "Number: mean distance from where people live to the nearest pharmacy, either side of the border, metres (absent: not known here)",
                "nearest_hospital_m": "Number: the same for hospitals",
                "nearest_rail_station_m": "Number: the same for railway stations",
                "nearest_post_office_m": "Number: the same for post offices",
                "nearest_secondary_school_m": "Number: the same for secondary schools",
                "population_change_pct": "Number: population change over the source's years, percent"
            }),
            Layer::Services => json!({
                "category": "String: taxonomy category, e.g. pharmacy",
                "group": "String: taxonomy group: health, education, shops, public_services, mobility, finance",
                "label_nl": "String: the category in Dutch",
                "label_fr": "String: the category in French",
                "label_en": "String: the category in English",
                "name": "String: the service's name (absent when no source names it)",
                "country": "String: BE or FR (absent outside the study area's communes)",
                "sources": "String: comma-separated ids of the sources that describe it",
                "first_seen": "String: first date a source saw it, YYYY-MM-DD",
                "last_seen": "String: last date a source saw it, YYYY-MM-DD",
                "closure_candidate": "Boolean: seen in a snapshot series but not in its latest snapshot"
            }),
            Layer::Borders => json!({
                "kind": "String: national, arrondissement or intercommunality",
                "countries": "String: for the national border, the two countries, e.g. BE-FR",
                "country": "String: BE or FR, for arrondissements and intercommunalities",
                "code": "String: arrondissement (NIS or INSEE) or intercommunality (SIREN) code",
                "name_nl": "String: Dutch name (arrondissements)",
                "name_fr": "String: French name"
            }),
        }
    }
}

impl FromStr for Layer {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Layer::ALL.into_iter().find(|l| l.id() == s).ok_or_else(|| {
            let known: Vec<&str> = Layer::ALL.iter().map(|l| l.id()).collect();
            ApiError::NotFound(format!("no tile layer {s:?}; layers: {}", known.join(", ")))
        })
    }
}

pub const MAX_ZOOM: u8 = 14;
/// Tiles are served beyond MAX_ZOOM (overzoom clients may still ask), up to this.
pub const MAX_SERVED_ZOOM: u8 = 22;

/// A tile address checked against its zoom level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileCoord {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileCoord {
    pub fn parse(z: &str, x: &str, y_with_ext: &str) -> Result<TileCoord, ApiError> {
        let y = y_with_ext.strip_suffix(".mvt").ok_or_else(|| {
            ApiError::NotFound("tiles end in .mvt: /tiles/{layer}/{z}/{x}/{y}.mvt".into())
        })?;
        let bad = |what: &str, v: &str| {
            ApiError::BadRequest(format!("tile {what} {v:?} is not a whole number"))
        };
        let z: u8 = z.parse().map_err(|_| bad("zoom z", z))?;
        let x: u32 = x.parse().map_err(|_| bad("column x", x))?;
        let y: u32 = y.parse().map_err(|_| bad("row y", y))?;
        if z > MAX_SERVED_ZOOM {
            return Err(ApiError::BadRequest(format!(
                "zoom {z} is beyond the maximum {MAX_SERVED_ZOOM}"
            )));
        }
        let size = 1u64 << z;
        if u64::from(x) >= size || u64::from(y) >= size {
            return Err(ApiError::BadRequest(format!(
                "tile {z}/{x}/{y} does not exist: at zoom {z}, x and y are below {size}"
            )));
        }
        Ok(TileCoord { z, x, y })
    }
}

/// What identifies a tile's content: its layer, address, date filter and the version of
/// the layer's data it was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct TileKey {
    layer: Layer,
    coord: TileCoord,
    date: Option<NaiveDate>,
    version: i64,
}

/// A built tile: the MVT bytes (empty when no feature touches the tile), their strong
/// entity tag, and the gzip form, made the first time a client asks for it.
#[derive(Debug)]
pub struct Tile {
    pub mvt: Bytes,
    etag: HeaderValue,
    etag_gzip: HeaderValue,
    gzip: OnceLock<Bytes>,
}

impl Tile {
    fn new(mvt: Vec<u8>) -> Tile {
        let hash = xxhash_rust::xxh3::xxh3_64(&mvt);
        // Hex digits and quotes are always a valid header value.
        let tag = |suffix: &str| {
            HeaderValue::from_str(&format!("\"{hash:016x}{suffix}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("\"\""))
        };
        Tile {
            mvt: Bytes::from(mvt),
            etag: tag(""),
            etag_gzip: tag("-gz"),
            gzip: OnceLock::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.mvt.is_empty()
    }

    /// The entity tag of the tile as sent, which differs between encodings.
    pub fn etag(&self, gzip: bool) -> &HeaderValue {
        if gzip {
            &self.etag_gzip
        } else {
            &self.etag
        }
    }

    pub fn gzip(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                // Writing into a Vec cannot fail.
                match encoder.write_all(&self.mvt).and_then(|()| encoder.finish()) {
                    Ok(bytes) => Bytes::from(bytes),
                    Err(_) => Bytes::new(),
                }
            })
            .clone()
    }

    /// Bytes held in memory, counting the gzip form that may be added.
    fn weight(&self) -> u32 {
        let bytes = 2 * self.mvt.len() + 2 * self.etag.len() + 160;
        u32::try_from(bytes).unwrap_or(u32::MAX)
    }
}

/// Where a served tile came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Found in the cache (or built by a concurrent request for the same tile).
    Hit,
    /// Built in PostGIS by this request and stored.
    Miss,
    /// The cache is turned off.
    Off,
    /// Built by this request from data older than the version this server knows (the
    /// read database is behind it), so answered under that older version and not stored.
    Behind,
}

impl CacheStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheStatus::Hit => "hit",
            CacheStatus::Miss => "miss",
            CacheStatus::Off => "off",
            CacheStatus::Behind => "behind",
        }
    }
}

/// Builds tiles in PostGIS and keeps them in a memory-bounded cache keyed by the layer's
/// data version. A background task listens to the primary database's `tile_layer_version`
/// notifications, so a change committed by any process (an ingest, a service edited)
/// moves every server to the new version once its read database holds it, and the entries
/// of older versions are dropped.
#[derive(Clone)]
pub struct TileService {
    inner: Arc<Inner>,
}

/// One event loop's way to the database, and what every loop of the server shares.
struct Inner {
    read: ReadPool,
    /// Where the tiles' queries run (see [`TileConnections`]).
    connections: TileConnections,
    shared: Arc<Shared>,
}

/// The cache, the layers' versions and their lookups: one for the whole server, whatever
/// the number of event loops answering requests.
struct Shared {
    cache: Option<Cache<TileKey, Arc<Tile>>>,
    versions: [AtomicI64; 3],
    /// Each layer's lookup with the data version it was read for, in the order of
    /// [`Layer::ALL`].
    lookups: [RwLock<Option<Arc<VersionedLookup>>>; 3],
    /// Held while a layer's lookup is read for a new version: one request reads it while
    /// the others wait.
    lookup_reads: [tokio::sync::Mutex<()>; 3],
}

struct VersionedLookup {
    /// The data version read in the lookup's own snapshot.
    version: i64,
    lookup: Lookup,
}

/// The versions of the layers, in the order of [`Layer::ALL`].
#[derive(Debug, Clone, Copy)]
pub struct LayerVersions([i64; 3]);

impl LayerVersions {
    pub fn of(&self, layer: Layer) -> i64 {
        self.0[layer.index()]
    }

    /// Whether every layer is at `other`'s version or past it.
    fn reached(&self, other: &LayerVersions) -> bool {
        self.0
            .iter()
            .zip(other.0)
            .all(|(&mine, theirs)| mine >= theirs)
    }
}

impl TileService {
    /// Reads the layers' versions from `read` and starts following them: the primary tells
    /// when they change. `cache_mb` bounds the cache's memory in MiB; 0 turns the cache off
    /// (every tile is built again).
    pub async fn start(
        primary: PgPool,
        read: ReadPool,
        cache_mb: u64,
    ) -> Result<TileService, sqlx::Error> {
        let cache = (cache_mb > 0).then(|| {
            Cache::builder()
                .max_capacity(cache_mb.saturating_mul(1024 * 1024))
                .weigher(|_key: &TileKey, tile: &Arc<Tile>| tile.weight())
                .support_invalidation_closures()
                .build()
        });
        let shared = Arc::new(Shared {
            cache,
            versions: [AtomicI64::new(0), AtomicI64::new(0), AtomicI64::new(0)],
            lookups: Default::default(),
            lookup_reads: Default::default(),
        });
        let service = TileService::with_shared(read.clone(), shared)?;
        service.versions_now().await?;
        tokio::spawn(follow_versions(
            Arc::downgrade(&service.inner.shared),
            primary,
            read,
        ));
        Ok(service)
    }

    /// The same cache, versions and lookups, with the tiles' queries on `read`: for another
    /// event loop of the server, whose connections must be opened in its own runtime.
    /// The versions are followed by the service this one shares with.
    pub fn share(&self, read: ReadPool) -> Result<TileService, sqlx::Error> {
        TileService::with_shared(read, Arc::clone(&self.inner.shared))
    }

    fn with_shared(read: ReadPool, shared: Arc<Shared>) -> Result<TileService, sqlx::Error> {
        let pool = read.pool();
        Ok(TileService {
            inner: Arc::new(Inner {
                // As many tile queries at once as the pool allows queries.
                connections: TileConnections::new(
                    (*pool.connect_options()).clone(),
                    pool.options().get_max_connections() as usize,
                )?,
                read,
                shared,
            }),
        })
    }

    pub fn cache_enabled(&self) -> bool {
        self.inner.shared.cache.is_some()
    }

    /// The versions as the read database has them now (and known from now on).
    pub async fn versions_now(&self) -> Result<LayerVersions, sqlx::Error> {
        read_versions(self.inner.read.pool(), &self.inner.shared).await
    }

    /// The tile of `layer` at `coord` for the current data. `requested` is the version the
    /// client's URL carries: one newer than this server knows is looked up first, so a
    /// URL from a fresh TileJSON never gets a tile of older data. Returns the tile, the
    /// version it is served under (its data is of that version or newer) and where it came
    /// from.
    pub async fn tile(
        &self,
        layer: Layer,
        coord: TileCoord,
        date: Option<NaiveDate>,
        requested: Option<i64>,
    ) -> Result<(Arc<Tile>, i64, CacheStatus), ApiError> {
        let mut version = self.inner.shared.versions[layer.index()].load(Ordering::Acquire);
        if requested.is_some_and(|r| r > version) {
            version = self.versions_now().await?.of(layer);
        }
        let key = TileKey {
            layer,
            coord,
            date,
            version,
        };
        let Some(cache) = &self.inner.shared.cache else {
            let built = build(&self.inner, &key).await?;
            return Ok(if built.version < version {
                (Arc::new(built.tile), built.version, CacheStatus::Behind)
            } else {
                (Arc::new(built.tile), version, CacheStatus::Off)
            });
        };
        // A plain lookup first: most requests are hits, and the entry API below costs more.
        if let Some(tile) = cache.get(&key).await {
            return Ok((tile, version, CacheStatus::Hit));
        }
        let built = cache
            .entry(key)
            .or_try_insert_with(async {
                let built = build(&self.inner, &key).await?;
                // Not stored: an error is not cached, and every request that waited on
                // this build gets the tile with its own version.
                if built.version < version {
                    return Err(BuildError::Behind {
                        tile: Arc::new(built.tile),
                        version: built.version,
                    });
                }
                Ok(Arc::new(built.tile))
            })
            .await;
        let entry = match built {
            Ok(entry) => entry,
            Err(e) => {
                return match &*e {
                    BuildError::Behind {
                        tile,
                        version: built,
                    } => {
                        tracing::debug!(
                            layer = layer.id(),
                            known = version,
                            built,
                            "a tile built from data older than the version known; not cached"
                        );
                        Ok((Arc::clone(tile), *built, CacheStatus::Behind))
                    }
                    // Every request that waited on this build gets the same error.
                    BuildError::Database(_) => {
                        tracing::error!(error = %e, layer = layer.id(), "building a tile failed");
                        Err(ApiError::Unavailable(sqlx::Error::Protocol(format!(
                            "building a tile: {e}"
                        ))))
                    }
                    BuildError::Rows(_) => {
                        tracing::error!(error = %e, layer = layer.id(), "building a tile failed");
                        Err(ApiError::Internal(format!("building a tile: {e}")))
                    }
                };
            }
        };
        let status = if entry.is_fresh() {
            CacheStatus::Miss
        } else {
            CacheStatus::Hit
        };
        Ok((entry.into_value(), version, status))
    }
}

/// Why a tile could not be built, or could not be stored under the version asked for.
#[derive(Debug, thiserror::Error)]
enum BuildError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Rows(#[from] RowError),
    /// Built, but from data older than the version it was asked under.
    #[error("the tile was built from data version {version}, older than the one asked for")]
    Behind { tile: Arc<Tile>, version: i64 },
}

impl From<BuildError> for ApiError {
    fn from(e: BuildError) -> ApiError {
        match e {
            BuildError::Database(e) => ApiError::from(e),
            BuildError::Rows(_) | BuildError::Behind { .. } => {
                ApiError::Internal(format!("building a tile: {e}"))
            }
        }
    }
}

/// A tile and the data version it was built from: the oldest of its features' and its
/// lookup's.
struct Built {
    tile: Tile,
    version: i64,
}

async fn build(inner: &Inner, key: &TileKey) -> Result<Built, BuildError> {
    let TileCoord { z, x, y } = key.coord;
    let lookup = lookup_for(inner, key.layer, key.version).await?;
    let mut query = sqlx::query(key.layer.tile_sql())
        .bind(i32::from(z))
        .bind(x as i32)
        .bind(y as i32);
    if key.layer.takes_date() {
        query = query.bind(key.date);
    }
    let rows = inner.connections.fetch_all(query).await?;
    let features_version = data_version(key.layer.id(), &rows)?;
    let version = lookup
        .as_deref()
        .map_or(features_version, |l| l.version.min(features_version));
    let layer = layer_from_rows(
        key.layer.id(),
        &TileFrame::new(z, x, y),
        &rows,
        key.layer.feature_id_column(),
        lookup.as_deref().map(|l| &l.lookup),
    )?;
    Ok(Built {
        tile: Tile::new(encode_tile([layer])),
        version,
    })
}

/// The lookup of `layer` read at data version `version` or later, if the read database
/// has it (else the one just read, older: the tile built with it is then not cached).
/// It is read again once the layer's version passes the one it was read at, so a tile
/// of a newer version never gets older values.
async fn lookup_for(
    inner: &Inner,
    layer: Layer,
    version: i64,
) -> Result<Option<Arc<VersionedLookup>>, BuildError> {
    let Some((column, sql)) = layer.lookup() else {
        return Ok(None);
    };
    let current = |inner: &Inner| {
        let held = inner.shared.lookups[layer.index()]
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        held.as_ref()
            .filter(|held| held.version >= version)
            .map(Arc::clone)
    };
    if let Some(lookup) = current(inner) {
        return Ok(Some(lookup));
    }
    let _reading = inner.shared.lookup_reads[layer.index()].lock().await;
    if let Some(lookup) = current(inner) {
        return Ok(Some(lookup));
    }
    let rows = inner.connections.fetch_all(sqlx::query(sql)).await?;
    let fresh = Arc::new(VersionedLookup {
        version: data_version(layer.id(), &rows)?,
        lookup: Lookup::from_rows(layer.id(), column, &rows)?,
    });
    tracing::debug!(
        layer = layer.id(),
        version = fresh.version,
        entries = fresh.lookup.len(),
        "tile lookup read"
    );
    let mut held = inner.shared.lookups[layer.index()]
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // Never an older lookup for a newer one (read from a standby further behind).
    if held
        .as_ref()
        .is_none_or(|held| held.version <= fresh.version)
    {
        *held = Some(Arc::clone(&fresh));
    }
    Ok(Some(fresh))
}

/// The versions as `pool`'s database has them.
async fn fetch_versions(pool: &PgPool) -> Result<LayerVersions, sqlx::Error> {
    let (communes, services, borders): (i64, i64, i64) =
        sqlx::query_as(include_str!("sql/tile_layer_versions.sql"))
            .fetch_one(pool)
            .await?;
    Ok(LayerVersions([communes, services, borders]))
}

/// Reads the versions, records any that advanced and drops the cached tiles they replace.
/// A version read lower than one known (a standby further behind) changes nothing.
async fn read_versions(pool: &PgPool, shared: &Shared) -> Result<LayerVersions, sqlx::Error> {
    let versions = fetch_versions(pool).await?;
    for layer in Layer::ALL {
        let new = versions.of(layer);
        let old = shared.versions[layer.index()].fetch_max(new, Ordering::AcqRel);
        // (At start, old is 0 and the cache still empty.)
        if new > old && old > 0 {
            tracing::debug!(layer = layer.id(), version = new, "tile layer version");
            if let Some(cache) = &shared.cache {
                if let Err(e) = cache.invalidate_entries_if(move |key: &TileKey, _| {
                    key.layer == layer && key.version < new
                }) {
                    tracing::warn!(error = %e, "cannot drop the tiles of older data versions");
                }
            }
        }
    }
    Ok(versions)
}

/// Follows `NOTIFY tile_layer_version` on the primary until the server is dropped or a
/// pool closed. After every (re)connection the versions are read again, so a change
/// committed while the connection was down is not missed. (A standby can neither listen
/// nor receive notifications: they are not replicated.)
async fn follow_versions(shared: Weak<Shared>, primary: PgPool, read: ReadPool) {
    const RETRY: Duration = Duration::from_secs(2);
    loop {
        if primary.is_closed() || read.pool().is_closed() || shared.strong_count() == 0 {
            return;
        }
        let mut listener = match PgListener::connect_with(&primary).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for tile data versions; retrying");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        if let Err(e) = listener.listen("tile_layer_version").await {
            tracing::warn!(error = %e, "cannot listen for tile data versions; retrying");
            tokio::time::sleep(RETRY).await;
            continue;
        }
        loop {
            if !catch_up(&shared, &primary, &read).await {
                return;
            }
            match listener.try_recv().await {
                Ok(Some(_)) => continue,
                // The connection was lost: listen again on a new one, then read again.
                Ok(None) | Err(_) => break,
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Reads the versions from the read database until it holds those the primary has now:
/// a replica replays a change a moment after the primary notifies it, and reading it
/// once then would leave the change unseen until the next one. Tries again while either
/// database does not answer. False when the server is gone.
async fn catch_up(shared: &Weak<Shared>, primary: &PgPool, read: &ReadPool) -> bool {
    const RETRY: Duration = Duration::from_secs(2);
    /// Waits between reads of a replica that is behind: short at first (replay takes
    /// milliseconds), longer while it stays behind.
    const FIRST_WAIT: Duration = Duration::from_millis(10);
    const LONGEST_WAIT: Duration = Duration::from_secs(1);
    /// Behind for this long, it is said in the log.
    const LAG_WARNING: Duration = Duration::from_secs(10);
    let started = std::time::Instant::now();
    let mut target: Option<LayerVersions> = None;
    let mut wait = FIRST_WAIT;
    let mut warned = false;
    // Said once, not every RETRY while a database stays down.
    let mut failing = false;
    loop {
        if primary.is_closed() || read.pool().is_closed() {
            return false;
        }
        let Some(strong) = shared.upgrade() else {
            return false;
        };
        let read_now = read_versions(read.pool(), &strong).await;
        drop(strong);
        let pause = match read_now {
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, database = %read.describe(), "cannot read the tile data versions; retrying every 2 s");
                    failing = true;
                }
                RETRY
            }
            Ok(_) if !read.is_replica() => return true,
            Ok(seen) => match target {
                Some(target) if seen.reached(&target) => return true,
                Some(_) => {
                    if !warned && started.elapsed() >= LAG_WARNING {
                        tracing::warn!(
                            database = %read.describe(),
                            behind_s = started.elapsed().as_secs(),
                            "the read replica does not hold the primary's latest data yet; tiles stay at the version it holds"
                        );
                        warned = true;
                    }
                    wait = (wait * 2).min(LONGEST_WAIT);
                    wait
                }
                None => match fetch_versions(primary).await {
                    Ok(primary_now) if seen.reached(&primary_now) => return true,
                    Ok(primary_now) => {
                        target = Some(primary_now);
                        wait
                    }
                    Err(e) => {
                        if !failing {
                            tracing::warn!(error = %e, "cannot read the primary's tile data versions; retrying every 2 s");
                            failing = true;
                        }
                        RETRY
                    }
                },
            },
        };
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any z/x/y: a tile that exists, or a 400 (404 without `.mvt`) naming the part.
        #[test]
        fn tile_addresses(
            z in prop_oneof![".*", "-?[0-9]{1,25}"],
            x in prop_oneof![".*", "-?[0-9]{1,25}"],
            y in prop_oneof![".*", "-?[0-9]{1,25}"],
        ) {
            match TileCoord::parse(&z, &x, &format!("{y}.mvt")) {
                Ok(t) => prop_assert!(t.z <= MAX_SERVED_ZOOM && u64::from(t.x) < 1 << t.z && u64::from(t.y) < 1 << t.z),
                Err(e) => {
                    let text = e.to_string();
                    prop_assert!(matches!(e, ApiError::BadRequest(_)), "{}", text);
                    prop_assert!(["zoom", "column x", "row y", "tile"].iter().any(|p| text.contains(p)), "{}", text);
                }
            }
        }
    }
}
