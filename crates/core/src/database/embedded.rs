//! The embedded default database: a private PostgreSQL + PostGIS cluster that the program
//! creates with the system's `initdb`, starts and stops with `pg_ctl`, under a local folder.
//!
//! It listens on a Unix socket inside its own folder only (no TCP port, so no clash with
//! another PostgreSQL and no exposure to the network), with `trust` authentication: the
//! folder's permissions are the access control. PostgreSQL refuses to run as root, so when
//! the program runs as root the server runs as the `postgres` system user that Debian's
//! package creates.
//!
//! By default nothing can follow the cluster (its write-ahead log records only what crash
//! recovery needs); with [`WalLevel::Replica`] it can have streaming standbys, which
//! [`EmbeddedCluster::create_standby_of`] makes with PostgreSQL's own `pg_basebackup`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use tokio::process::Command;

/// PostgreSQL major versions looked for, newest first.
const SUPPORTED_VERSIONS: [u32; 4] = [17, 16, 15, 14];
const SUPERUSER: &str = "observatory";
const DATABASE: &str = "observatory";
/// The socket file is `.s.PGSQL.<port>` in the cluster folder; the port only names it.
const SOCKET_PORT: u16 = 5432;
/// Unix socket paths are limited to 107 bytes on Linux.
const MAX_SOCKET_PATH: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("PostgreSQL server programs (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin or PATH. Install them with `apt-get install postgresql-15 postgresql-15-postgis-3`, or set DATABASE_URL to use an existing PostGIS")]
    PostgresMissing,
    #[error("{tool} was not found in /usr/lib/postgresql/*/bin or PATH. Install it with `apt-get install postgresql-client-15` (or the client of your server's major version, which must be at least the server's)")]
    ToolMissing { tool: &'static str },
    #[error("PostGIS is not installed for PostgreSQL {version} (no {control}). Install it with `apt-get install postgresql-{version}-postgis-3`, or set DATABASE_URL to use an existing PostGIS")]
    PostgisMissing { version: u32, control: PathBuf },
    #[error("running as root, the database must run as the `postgres` system user, which does not exist. Install `postgresql-15` (which creates it) or run as an ordinary user")]
    NoPostgresUser,
    #[error("the cluster folder {path} is too long for a Unix socket ({len} bytes, at most {MAX_SOCKET_PATH}). Choose a shorter --data-dir")]
    PathTooLong { path: PathBuf, len: usize },
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error("cannot prepare the cluster folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the embedded cluster started but does not answer: {0}")]
    Connect(#[from] sqlx::Error),
}

/// A cluster folder, whether or not it exists or runs yet.
#[derive(Debug, Clone)]
pub struct EmbeddedCluster {
    dir: PathBuf,
    wal_level: WalLevel,
}

/// What the cluster's write-ahead log records, and so whether standbys can follow it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WalLevel {
    /// Only what crash recovery needs; no standby can follow. A table an ingest or a full
    /// refresh creates or truncates in its transaction is then written, indexed and synced
    /// at commit without copying every page into the log as well.
    #[default]
    Minimal,
    /// Enough for streaming standbys to follow the cluster (and for it to be a standby).
    Replica,
}

impl WalLevel {
    /// The server settings that give this level.
    fn server_settings(self) -> &'static str {
        match self {
            WalLevel::Minimal => "-c wal_level=minimal -c max_wal_senders=0",
            WalLevel::Replica => "-c wal_level=replica -c max_wal_senders=10",
        }
    }
}

/// A cluster that answers. `started_here` tells whether this process started it, and so
/// whether it should stop it when done.
#[derive(Debug)]
pub struct RunningCluster {
    cluster: EmbeddedCluster,
    pub started_here: bool,
}

impl EmbeddedCluster {
    /// `dir` is the folder that holds the cluster; it is made absolute so the socket path
    /// does not depend on the working directory.
    pub fn new(dir: impl AsRef<Path>) -> Result<Self, EmbeddedError> {
        let dir = dir.as_ref();
        let dir = if dir.is_absolute() {
            dir.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|source| EmbeddedError::Folder {
                    path: dir.to_path_buf(),
                    source,
                })?
                .join(dir)
        };
        let len = dir.as_os_str().len() + ".s.PGSQL.5432".len() + 1;
        if len > MAX_SOCKET_PATH {
            return Err(EmbeddedError::PathTooLong { path: dir, len });
        }
        Ok(EmbeddedCluster {
            dir,
            wal_level: WalLevel::default(),
        })
    }

    /// The same folder, started with this write-ahead log level.
    pub fn with_wal_level(mut self, wal_level: WalLevel) -> Self {
        self.wal_level = wal_level;
        self
    }

    /// PostgreSQL's client programs (`pg_dump`, `pg_restore`): the newest major version's in
    /// /usr/lib/postgresql, which reads older servers and dumps, else the one on PATH.
    pub fn client_program(tool: &'static str) -> Result<PathBuf, EmbeddedError> {
        for version in SUPPORTED_VERSIONS {
            let path = PathBuf::from(format!("/usr/lib/postgresql/{version}/bin/{tool}"));
            if path.is_file() {
                return Ok(path);
            }
        }
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join(tool))
            .find(|path| path.is_file())
            .ok_or(EmbeddedError::ToolMissing { tool })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// Connection options for the observatory's database in this cluster.
    pub fn connect_options(&self) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.dir)
            .port(SOCKET_PORT)
            .username(SUPERUSER)
            .database(DATABASE)
    }

    /// A URL for `psql` and for `DATABASE_URL`.
    pub fn url(&self) -> String {
        format!(
            "postgresql:///{DATABASE}?host={}&port={SOCKET_PORT}&user={SUPERUSER}",
            self.dir.display()
        )
    }

    pub async fn is_running(&self) -> Result<bool, EmbeddedError> {
        if !self.data_dir().join("PG_VERSION").exists() {
            return Ok(false);
        }
        let bin = find_binaries()?;
        let status = self
            .command(&bin.pg_ctl)?
            .arg("status")
            .arg("-D")
            .arg(self.data_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .map_err(|e| command_error("pg_ctl status", e))?;
        Ok(status.success())
    }

    /// Creates the cluster if needed, starts it unless it runs, and makes sure the
    /// observatory's database exists.
    pub async fn start(&self) -> Result<RunningCluster, EmbeddedError> {
        let bin = find_binaries()?;
        bin.check_postgis()?;
        if self.is_running().await? {
            tracing::info!(dir = %self.dir.display(), "embedded PostgreSQL already running");
            return Ok(RunningCluster {
                cluster: self.clone(),
                started_here: false,
            });
        }
        if !self.data_dir().join("PG_VERSION").exists() {
            self.init(&bin).await?;
        }
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -p {SOCKET_PORT} {}",
            self.dir.display(),
            self.wal_level.server_settings()
        );
        tracing::info!(dir = %self.dir.display(), version = bin.version, "starting embedded PostgreSQL");
        self.run(
            &bin.pg_ctl,
            &["start", "-w", "-t", "60", "-s"],
            &[("-D", self.data_dir()), ("-l", self.log_file())],
            Some(&options),
            "pg_ctl start",
        )
        .await?;
        self.ensure_database().await?;
        Ok(RunningCluster {
            cluster: self.clone(),
            started_here: true,
        })
    }

    /// Stops the cluster if it runs ("fast" mode: open sessions are ended cleanly).
    pub async fn stop(&self) -> Result<(), EmbeddedError> {
        if !self.is_running().await? {
            return Ok(());
        }
        let bin = find_binaries()?;
        tracing::info!(dir = %self.dir.display(), "stopping embedded PostgreSQL");
        self.run(
            &bin.pg_ctl,
            &["stop", "-w", "-m", "fast", "-s"],
            &[("-D", self.data_dir())],
            None,
            "pg_ctl stop",
        )
        .await
    }

    /// Makes this folder a streaming standby of `primary`, which must run with
    /// [`WalLevel::Replica`]: a base backup of it taken with `pg_basebackup`, which also
    /// writes what makes the copy follow the primary (`-R`: `standby.signal`, and
    /// `primary_conninfo` naming the primary's socket). Started with [`start`](Self::start),
    /// the standby replays the primary's changes as they stream in and answers read-only
    /// queries. The folder must not hold a cluster yet. (The primary's `pg_hba.conf`, as
    /// `initdb --auth=trust` writes it, already lets local connections replicate.)
    pub async fn create_standby_of(&self, primary: &EmbeddedCluster) -> Result<(), EmbeddedError> {
        let bin = find_binaries()?;
        if self.data_dir().join("PG_VERSION").exists() {
            return Err(EmbeddedError::Command {
                what: "pg_basebackup".to_owned(),
                detail: format!("{} already holds a cluster", self.data_dir().display()),
            });
        }
        let pg_basebackup = bin.program("pg_basebackup")?;
        tracing::info!(dir = %self.dir.display(), primary = %primary.dir.display(), "creating a standby of the embedded PostgreSQL cluster");
        self.prepare_folder()?;
        let port = SOCKET_PORT.to_string();
        self.run(
            &pg_basebackup,
            &[
                "--write-recovery-conf",
                "--wal-method=stream",
                // Without it, the backup waits for a checkpoint spread over minutes.
                "--checkpoint=fast",
                "--no-password",
                "--port",
                &port,
                "--username",
                SUPERUSER,
            ],
            &[("-D", self.data_dir()), ("--host", primary.dir.clone())],
            None,
            "pg_basebackup",
        )
        .await
    }

    /// Creates the cluster's folder, owned by the server's user.
    fn prepare_folder(&self) -> Result<(), EmbeddedError> {
        std::fs::create_dir_all(&self.dir).map_err(|source| EmbeddedError::Folder {
            path: self.dir.clone(),
            source,
        })?;
        if let Some(owner) = server_user()? {
            nix::unistd::chown(&self.dir, Some(owner.uid), Some(owner.gid)).map_err(|e| {
                EmbeddedError::Folder {
                    path: self.dir.clone(),
                    source: std::io::Error::from(e),
                }
            })?;
        }
        Ok(())
    }

    async fn init(&self, bin: &Binaries) -> Result<(), EmbeddedError> {
        tracing::info!(dir = %self.dir.display(), "creating embedded PostgreSQL cluster");
        self.prepare_folder()?;
        self.run(
            &bin.initdb,
            &[
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--username",
                SUPERUSER,
                "--no-instructions",
            ],
            &[("-D", self.data_dir())],
            None,
            "initdb",
        )
        .await
    }

    async fn ensure_database(&self) -> Result<(), EmbeddedError> {
        let admin = self
            .connect_options()
            .database("postgres")
            .disable_statement_logging();
        let mut conn = sqlx::PgConnection::connect_with(&admin).await?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(DATABASE)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            sqlx::query(&format!("CREATE DATABASE {DATABASE}"))
                .execute(&mut conn)
                .await?;
        }
        conn.close().await?;
        Ok(())
    }

    /// A command that runs as the server's user: `postgres` when we are root.
    fn command(&self, program: &Path) -> Result<Command, EmbeddedError> {
        let mut command = if server_user()?.is_some() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command
            .stdin(Stdio::null())
            .current_dir(self.dir.parent().unwrap_or(Path::new("/")));
        Ok(command)
    }

    async fn run(
        &self,
        program: &Path,
        args: &[&str],
        paths: &[(&str, PathBuf)],
        server_options: Option<&str>,
        what: &str,
    ) -> Result<(), EmbeddedError> {
        let mut command = self.command(program)?;
        command.args(args);
        for (flag, path) in paths {
            command.arg(flag).arg(path);
        }
        if let Some(options) = server_options {
            command.arg("-o").arg(options);
        }
        let output = command.output().await.map_err(|e| command_error(what, e))?;
        if output.status.success() {
            return Ok(());
        }
        let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        if let Ok(log) = std::fs::read_to_string(self.log_file()) {
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            detail.push_str(&format!(
                "; last lines of {}: {}",
                self.log_file().display(),
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ));
        }
        Err(EmbeddedError::Command {
            what: what.to_owned(),
            detail,
        })
    }
}

impl RunningCluster {
    pub fn cluster(&self) -> &EmbeddedCluster {
        &self.cluster
    }

    /// Stops the cluster if this process started it; leaves it running otherwise.
    pub async fn release(self) -> Result<(), EmbeddedError> {
        if self.started_here {
            self.cluster.stop().await
        } else {
            Ok(())
        }
    }
}

fn command_error(what: &str, e: std::io::Error) -> EmbeddedError {
    EmbeddedError::Command {
        what: what.to_owned(),
        detail: e.to_string(),
    }
}

struct Owner {
    uid: nix::unistd::Uid,
    gid: nix::unistd::Gid,
}

/// The user the server must run as, when it is not the current one (we are root).
fn server_user() -> Result<Option<Owner>, EmbeddedError> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    match nix::unistd::User::from_name("postgres") {
        Ok(Some(user)) => Ok(Some(Owner {
            uid: user.uid,
            gid: user.gid,
        })),
        _ => Err(EmbeddedError::NoPostgresUser),
    }
}

struct Binaries {
    version: u32,
    dir: PathBuf,
    initdb: PathBuf,
    pg_ctl: PathBuf,
}

impl Binaries {
    /// Another program of the same PostgreSQL version as the server.
    fn program(&self, tool: &'static str) -> Result<PathBuf, EmbeddedError> {
        let path = self.dir.join(tool);
        if path.is_file() {
            Ok(path)
        } else {
            Err(EmbeddedError::ToolMissing { tool })
        }
    }

    fn check_postgis(&self) -> Result<(), EmbeddedError> {
        let control = PathBuf::from(format!(
            "/usr/share/postgresql/{}/extension/postgis.control",
            self.version
        ));
        if control.exists() {
            Ok(())
        } else {
            Err(EmbeddedError::PostgisMissing {
                version: self.version,
                control,
            })
        }
    }
}

/// Debian keeps each major version's server programs in /usr/lib/postgresql/N/bin.
fn find_binaries() -> Result<Binaries, EmbeddedError> {
    for version in SUPPORTED_VERSIONS {
        let bin = PathBuf::from(format!("/usr/lib/postgresql/{version}/bin"));
        if bin.join("initdb").exists()
            && bin.join("pg_ctl").exists()
            && bin.join("postgres").exists()
        {
            return Ok(Binaries {
                version,
                dir: bin.clone(),
                initdb: bin.join("initdb"),
                pg_ctl: bin.join("pg_ctl"),
            });
        }
    }
    Err(EmbeddedError::PostgresMissing)
}
