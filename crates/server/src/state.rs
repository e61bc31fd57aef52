//! What every handler shares, built in one place ([`AppState::new`]) by the command
//! line, each event loop and the tests alike.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use observatory_core::database::ReadPool;
use sqlx::PgPool;

use crate::TileService;

/// Shared by every handler: the database pools, the settings, and the tile builder with
/// its cache (see [`TileService::start`]).
///
/// Two ways to the database, chosen by name at every query: [`primary`](Self::primary)
/// for every write and for reads that must see what was just written (a contribution, a
/// session, a moderator's queue); [`read`](Self::read) for the published data (tiles, OGC
/// API, exports, indicators, communes), which may come from a replica a moment behind.
#[derive(Clone)]
pub struct AppState {
    primary: PgPool,
    read: ReadPool,
    pub settings: Arc<Settings>,
    pub tiles: TileService,
}

impl AppState {
    pub fn new(
        primary: PgPool,
        read: ReadPool,
        tiles: TileService,
        settings: Arc<Settings>,
    ) -> AppState {
        AppState {
            primary,
            read,
            settings,
            tiles,
        }
    }

    /// The primary database: writes, and reads that must see the caller's own writes.
    pub fn primary(&self) -> &PgPool {
        &self.primary
    }

    /// Where the published data is read from: the replica, or the primary without one.
    pub fn read(&self) -> &ReadPool {
        &self.read
    }
}

/// The server's configuration: where the web assets are, how sessions are kept and
/// how many requests of each kind one address may make.
#[derive(Debug, Clone)]
pub struct Settings {
    pub web_dir: PathBuf,
    /// Mark cookies `Secure` (sent over HTTPS only): on wherever the server is reached
    /// through HTTPS, which is everywhere but a developer's loopback.
    pub secure_cookies: bool,
    /// How long a moderator or partner stays logged in.
    pub session_lifetime: Duration,
    /// Take the client's address from the last `X-Forwarded-For` entry (set by a
    /// reverse proxy in front) rather than from the connection.
    pub behind_proxy: bool,
    pub limits: RateLimits,
    /// Header size and time limits of connections and requests.
    pub http: crate::hardening::HttpLimits,
}

impl Settings {
    /// The defaults, serving the web assets in `web_dir`.
    pub fn new(web_dir: PathBuf) -> Settings {
        Settings {
            web_dir,
            secure_cookies: false,
            session_lifetime: Duration::from_secs(12 * 3600),
            behind_proxy: false,
            limits: RateLimits::default(),
            http: crate::hardening::HttpLimits::default(),
        }
    }
}

/// A number of requests per window, counted per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub window: Duration,
}

/// The limits per kind of request.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Contributions and questionnaire answers sent.
    pub contributions: RateLimit,
    /// "I support this".
    pub supports: RateLimit,
    /// Login attempts, failed or not.
    pub logins: RateLimit,
}

impl Default for RateLimits {
    fn default() -> RateLimits {
        let hour = Duration::from_secs(3600);
        RateLimits {
            contributions: RateLimit {
                requests: 30,
                window: hour,
            },
            supports: RateLimit {
                requests: 120,
                window: hour,
            },
            logins: RateLimit {
                requests: 10,
                window: Duration::from_secs(15 * 60),
            },
        }
    }
}
