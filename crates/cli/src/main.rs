//! `observatory`: the one binary of the Westhoek Observatory.

mod backup;
mod database;
mod glyphs;
mod serve;
mod users;
mod watch;

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use observatory_core::database::{EmbeddedCluster, ReadPool};

use crate::database::Database;

/// The Westhoek Observatory: everyday services on both sides of the Belgian–French border.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// PostGIS to use. Without it, the embedded cluster under --cluster-dir is used (and
    /// created and started when needed).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,

    /// Folder of the embedded PostgreSQL cluster, used when DATABASE_URL is not set.
    #[arg(
        long,
        env = "OBSERVATORY_CLUSTER_DIR",
        default_value = ".observatory/postgres",
        global = true
    )]
    cluster_dir: PathBuf,

    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "OBSERVATORY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

// One command per run: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Load the sources a manifest names into the database, in one transaction.
    ///
    /// With --file, loads one file of service points described by the options below
    /// instead (a quick import, with the same mapping and checks).
    Ingest {
        /// The manifest (TOML) that names every source file and its fields.
        #[arg(
            default_value = "data/manifests/westhoek.toml",
            conflicts_with = "file"
        )]
        manifest: PathBuf,
        /// Folder the manifest's source paths are relative to (overrides its `data_dir`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Do not draw a progress bar.
        #[arg(long)]
        no_progress: bool,
        #[command(flatten)]
        quick: QuickArgs,
    },
    /// Serve the map, the tiles, the exports and the API.
    Serve {
        /// Address and port to listen on.
        #[arg(long, env = "OBSERVATORY_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Folder of the web map (index.html, app.js, node_modules/maplibre-gl).
        #[arg(long, env = "OBSERVATORY_WEB_DIR", default_value = "web")]
        web_dir: PathBuf,
        /// Memory for the in-process tile cache, in MiB; 0 turns it off (every tile is
        /// built again, for measurement and debugging).
        #[arg(long, env = "OBSERVATORY_TILE_CACHE_MB", default_value_t = 256)]
        tile_cache_mb: u64,
        /// Event loops answering requests, one thread each with its own connections
        /// (default: one per core; they build the tiles from the features PostgreSQL
        /// selects).
        #[arg(long, env = "OBSERVATORY_WORKERS")]
        workers: Option<NonZeroUsize>,
        /// Mark the session cookies Secure (HTTPS only): set it wherever the observatory
        /// is reached through HTTPS.
        #[arg(long, env = "OBSERVATORY_SECURE_COOKIES")]
        secure_cookies: bool,
        /// A reverse proxy stands in front: count rate limits by the last
        /// X-Forwarded-For address rather than by the connection's.
        #[arg(long, env = "OBSERVATORY_BEHIND_PROXY")]
        behind_proxy: bool,
        /// On SIGTERM or Ctrl-C, seconds to let the requests in flight finish (no new
        /// connection is accepted); those still running then are cut, and their
        /// transactions roll back. A second signal cuts them at once.
        #[arg(long, env = "OBSERVATORY_SHUTDOWN_GRACE_S", default_value_t = 10)]
        shutdown_grace_s: u64,
        /// A replica of the database (a PostgreSQL streaming standby) to read the published
        /// data from: tiles, OGC API, exports, indicators and communes. Contributions,
        /// moderation and sessions stay on DATABASE_URL. Without it, everything is read
        /// from DATABASE_URL.
        #[arg(long, env = "DATABASE_READ_URL", hide_env_values = true)]
        database_read_url: Option<String>,
    },
    /// Write an export to a file: the same bytes as GET /exports/{LAYER}.{FORMAT}, with
    /// the same filters, showing progress. Nothing is left at OUTPUT when it fails.
    Export {
        /// What to export.
        #[arg(value_enum)]
        layer: ExportLayer,
        /// File format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Geojson)]
        format: ExportFormat,
        /// Services of this taxonomy category (`pharmacy`, `post_office` ...).
        #[arg(long)]
        category: Option<String>,
        /// minlon,minlat,maxlon,maxlat in WGS 84 degrees.
        #[arg(long, allow_hyphen_values = true)]
        bbox: Option<String>,
        /// Services known to exist on this day (YYYY-MM-DD).
        #[arg(long)]
        date: Option<String>,
        /// One commune, COUNTRY-CODE (`BE-33011`).
        #[arg(long)]
        commune: Option<String>,
        /// One region's communes, or services (`westhoek`; see GET /api/regions).
        #[arg(long)]
        region: Option<String>,
        /// The file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Do not draw a progress display.
        #[arg(long)]
        no_progress: bool,
    },
    /// Render the SDF glyphs (PBF files) the map draws its labels with, from font files,
    /// into OUT/<fontstack>/<start>-<end>.pbf for all 256 ranges of 256 code points.
    ///
    /// Skipped when OUT already holds a complete set made from the same font files.
    Glyphs {
        /// A TrueType or OpenType font file; each face becomes a fontstack named by its
        /// family and style (`Noto Sans Regular`). Repeat for several fonts.
        #[arg(long = "font", value_name = "PATH", default_values = glyphs::DEFAULT_FONTS)]
        fonts: Vec<PathBuf>,
        /// Folder to write, replaced as a whole once every file is rendered.
        #[arg(long, value_name = "DIR", default_value = "web/glyphs")]
        out: PathBuf,
        /// Render again even when OUT is up to date.
        #[arg(long)]
        force: bool,
        /// Do not draw a progress bar.
        #[arg(long)]
        no_progress: bool,
    },
    /// Manage the embedded PostgreSQL cluster; dump and restore the database.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Manage the accounts of moderators and partners.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account. The password is asked for twice at the terminal, or read as
    /// one line from the standard input with --password-stdin.
    Add {
        /// The user name: 3 to 64 of a-z, 0-9, '.', '_' and '-'.
        name: String,
        /// What the account may do: decide on contributions (moderator, who may also
        /// do all a partner does), or publish calls and discovery days and review
        /// project ideas (partner).
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Read the password from the standard input (one line) rather than the terminal.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give an account a new password; its sessions end.
    Password {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Moderator,
    Partner,
}

/// A quick import of one file of service points.
#[derive(clap::Args)]
struct QuickArgs {
    /// A .csv or .geojson file of service points. An import that loads none of its
    /// records fails (exit status 1) and writes nothing.
    #[arg(long, requires = "source_id")]
    file: Option<PathBuf>,
    /// Id under which the file's records are recorded (letters, digits, - and _); loading
    /// the same id again replaces them.
    #[arg(long)]
    source_id: Option<String>,
    /// Field holding each record's category (or give --category).
    #[arg(long, value_name = "FIELD", requires = "file")]
    category_field: Option<String>,
    /// The category of every record of the file, a taxonomy id (pharmacy, post_office …),
    /// for a file without a category field.
    #[arg(long, value_name = "ID", requires = "file", conflicts_with_all = ["category_field", "vocabulary"], value_parser = observatory_core::ServiceCategory::parse)]
    category: Option<observatory_core::ServiceCategory>,
    /// What the category field holds: `words` (category ids and the common words for each
    /// category in Dutch, French and English, such as pharmacie, apotheek, bureau de poste,
    /// whatever their case and accents), `category` (exact taxonomy ids), `osm` (key=value
    /// tags, `;`-separated), or another vocabulary of data/taxonomy.toml (bpe_codes …).
    #[arg(long, default_value = "words")]
    vocabulary: String,
    /// Field holding each record's id in the source.
    #[arg(long)]
    id_field: Option<String>,
    /// Field holding each record's name.
    #[arg(long)]
    name_field: Option<String>,
    /// Field holding the x coordinate (longitude in EPSG:4326); GeoJSON files use their geometry when omitted.
    #[arg(long, requires = "y_field")]
    x_field: Option<String>,
    /// Field holding the y coordinate (latitude in EPSG:4326).
    #[arg(long, requires = "x_field")]
    y_field: Option<String>,
    /// EPSG code of the x/y fields: 4326, 31370 (Belgian Lambert 72), 3812 (Lambert 2008), 2154 (Lambert-93) …
    #[arg(long, default_value_t = 4326)]
    srid: i32,
    /// CSV delimiter.
    #[arg(long, default_value_t = ',')]
    delimiter: char,
    /// CSV text encoding: utf-8 or latin-1.
    #[arg(long, default_value = "utf-8", value_parser = ["utf-8", "latin-1"])]
    encoding: String,
    /// Date the file describes (YYYY-MM-DD); today by default.
    #[arg(long)]
    observed_on: Option<chrono::NaiveDate>,
    /// Countries the file covers completely (BE, FR), where absence means "none here".
    #[arg(long, value_delimiter = ',')]
    coverage: Vec<observatory_core::Country>,
    /// Licence of the file.
    #[arg(long, default_value = "not stated")]
    licence: String,
    /// The taxonomy to map categories with.
    #[arg(long, default_value = "data/taxonomy.toml")]
    taxonomy: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportLayer {
    Services,
    Communes,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Geojson,
    Csv,
}

#[derive(Subcommand)]
enum DbAction {
    /// Create the cluster if needed and start it; it keeps running after this command.
    Start,
    /// Stop the cluster.
    Stop,
    /// Say whether the cluster runs.
    Status,
    /// Print the connection URL of the cluster (for psql or DATABASE_URL).
    Url,
    /// Write a backup of the database (DATABASE_URL, or the embedded cluster) with
    /// pg_dump, in its custom format: schema, all rows, PostGIS. Taken while the server
    /// runs, it is one consistent snapshot. Nothing is left at OUTPUT when it fails.
    Dump {
        /// The file to write (default: observatory-YYYYMMDD-HHMMSS.dump, in UTC).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Restore a backup of `db dump` with pg_restore, in one transaction: a failed
    /// restore leaves the database as it was. The database must be empty, unless --clean.
    Restore {
        /// The dump to restore.
        file: PathBuf,
        /// Drop what the dump holds from the database first (in the same transaction),
        /// rather than refuse a database that already holds tables.
        #[arg(long)]
        clean: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    // Rendering glyphs needs neither a database nor the async runtime.
    if let Command::Glyphs {
        fonts,
        out,
        force,
        no_progress,
    } = cli.command
    {
        let options = glyphs::Options {
            fonts,
            out,
            force,
            progress: !no_progress && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        };
        return match glyphs::run(&options) {
            Ok(outcome) => {
                println!("{outcome}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    // The server's first event loop runs here; the others get threads of their own
    // (src/serve.rs).
    let mut builder = match &cli.command {
        Command::Serve { .. } => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    // Not a plain drop, which would wait for any blocking task however long it runs (a
    // server whose requests were cut at the end of its grace period).
    runtime.shutdown_timeout(serve::CUT_WAIT);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Event loops when none are asked for: one per core. The server clips and encodes the
/// tiles it builds (PostgreSQL only selects their features), and with half the cores on
/// 2 of them, one thread did that work for every request while 30 % of the machine stood
/// idle: uncached tiles ran at 2,924–2,944 requests per second with 1 thread and
/// 3,689–4,744 with 2 (BENCHMARKS.md).
fn default_serve_workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let database = Database::choose(cli.database_url.as_deref(), &cli.cluster_dir)?;
    match cli.command {
        Command::Ingest {
            manifest,
            data_dir,
            no_progress,
            quick,
        } => {
            let progress = !no_progress && std::io::IsTerminal::is_terminal(&std::io::stderr());
            let quick = quick.into_import()?;
            let opened = database.open(2).await?;
            let started = Instant::now();
            let result = match quick {
                Some(import) => {
                    observatory_ingest::run_quick(&opened.pool, &import, progress).await
                }
                None => {
                    let options = observatory_ingest::IngestOptions {
                        manifest,
                        data_dir,
                        progress,
                    };
                    observatory_ingest::run(&opened.pool, &options).await
                }
            };
            opened.close().await?;
            // An import that loaded nothing still shows what became of each record.
            if let Err(observatory_ingest::IngestError::NothingLoaded { summary, .. }) = &result {
                print!("{summary}");
            }
            let summary = result?;
            print!("{summary}");
            println!(
                "ingest committed in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Serve {
            listen,
            web_dir,
            tile_cache_mb,
            workers,
            secure_cookies,
            behind_proxy,
            shutdown_grace_s,
            database_read_url,
        } => {
            let read_options = database_read_url
                .as_deref()
                .filter(|u| !u.trim().is_empty())
                .map(observatory_core::database::options_from_url)
                .transpose()
                .context("DATABASE_READ_URL")?;
            let loops = workers.map_or_else(default_serve_workers, NonZeroUsize::get);
            let connections = serve::connections_per_loop(loops);
            let opened = database.open(connections).await?;
            if !web_dir.join("index.html").is_file() {
                tracing::warn!(web_dir = %web_dir.display(), "no index.html in the web folder: the map page will be missing");
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}; is another server using it? Choose another with --listen"))?;
            let address = listener.local_addr()?;
            // The connections requests are served on carry the server's bounds (statement
            // timeout, idle transactions, client checks: RELIABILITY.md).
            let serving = observatory_core::database::connect(
                observatory_core::database::server_options(
                    (*opened.pool.connect_options()).clone(),
                ),
                connections,
            )
            .await?;
            let read = match &read_options {
                Some(options) => {
                    let read = ReadPool::connect_replica(options.clone(), connections).await?;
                    tracing::info!(database = %read.describe(), "reading the published data from DATABASE_READ_URL");
                    read
                }
                None => ReadPool::on_primary(&serving),
            };
            let tiles = observatory_server::TileService::start(
                serving.clone(),
                read.clone(),
                tile_cache_mb,
            )
            .await
            .with_context(|| {
                format!(
                    "cannot read the tile layers' data versions from {}; is it the \
                             observatory's database (or a replica of it), migrated?",
                    read.describe()
                )
            })?;
            let (phase, phases) = tokio::sync::watch::channel(serve::Phase::Serving);
            let (mut handed, acceptor) = serve::hand_out(listener, loops, phases.clone())?;
            let own = handed.remove(0);
            let mut settings = observatory_server::Settings::new(web_dir);
            settings.secure_cookies = secure_cookies;
            settings.behind_proxy = behind_proxy;
            let settings = std::sync::Arc::new(settings);
            let setup = serve::LoopSetup {
                options: (*serving.connect_options()).clone(),
                read_options,
                connections,
                settings: settings.clone(),
                tiles: tiles.clone(),
            };
            let others = serve::spawn_loops(handed, &setup, &phases)?;
            tokio::spawn(acceptor);
            tokio::spawn(purge_every_hour(opened.pool.clone()));
            tracing::info!(%address, loops, "serving the observatory");
            println!("listening on http://{address}");
            let state =
                observatory_server::AppState::new(serving.clone(), read.clone(), tiles, settings);
            let served = observatory_server::serve(own, state, serve::draining(phases.clone()));
            let work = async {
                let served = serve::until_cut(served, phases.clone()).await;
                // This loop stopped by itself (an error): the others stop with it.
                phase.send_if_modified(|p| {
                    let serving = *p == serve::Phase::Serving;
                    if serving {
                        *p = serve::Phase::Draining;
                    }
                    serving
                });
                let joined = tokio::task::spawn_blocking(move || {
                    others
                        .into_iter()
                        .map(|handle| match handle.join() {
                            Ok(result) => result,
                            Err(_) => Err(anyhow::anyhow!("an event loop of the server panicked")),
                        })
                        .collect::<Vec<_>>()
                })
                .await;
                (served, joined)
            };
            let grace = Duration::from_secs(shutdown_grace_s);
            let postmaster_gone = opened.embedded().cloned().map(watch::embedded_stopped);
            let (stopped, (served, joined)) =
                drain_on_signal(&phase, grace, work, postmaster_gone).await;
            let cut = *phase.borrow() == serve::Phase::Cut;
            match &stopped {
                Stopped::Signalled(_) if cut => tracing::warn!(
                    grace_s = shutdown_grace_s,
                    "the server stopped: the requests still running at the end of the grace \
                     period were cut (their transactions roll back)"
                ),
                Stopped::Signalled(signalled) => tracing::info!(
                    drained_ms = signalled.elapsed().as_millis() as u64,
                    "the server stopped: every request in flight finished"
                ),
                Stopped::ByItself => tracing::warn!("the server stopped by itself"),
                Stopped::DatabaseGone(_) => {}
            }
            read.close().await;
            serving.close().await;
            if cut {
                opened.close_within(serve::CUT_WAIT).await?;
            } else {
                opened.close().await?;
            }
            if let Stopped::DatabaseGone(why) = stopped {
                anyhow::bail!(why);
            }
            if let Some(served) = served {
                served.context("the server stopped with an error")?;
            }
            joined?.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
            Ok(())
        }
        Command::Export {
            layer,
            format,
            category,
            bbox,
            date,
            commune,
            region,
            output,
            no_progress,
        } => {
            use observatory_server::export::{write_export, Filters, Format, Layer};
            let layer = match layer {
                ExportLayer::Services => Layer::Services,
                ExportLayer::Communes => Layer::Communes,
            };
            let format = match format {
                ExportFormat::Geojson => Format::GeoJson,
                ExportFormat::Csv => Format::Csv,
            };
            let filters = Filters {
                category,
                bbox,
                date,
                commune,
                region,
            };
            let progress = !no_progress && std::io::IsTerminal::is_terminal(&std::io::stderr());
            let bar = if progress {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                );
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                bar
            } else {
                indicatif::ProgressBar::hidden()
            };
            // Written beside the target, then renamed: a failed export leaves no file.
            let mut part = output.clone().into_os_string();
            part.push(".part");
            let part = PathBuf::from(part);
            let opened = database.open(2).await?;
            let started = Instant::now();
            let result = async {
                let file = std::fs::File::create(&part)
                    .with_context(|| format!("cannot create {}", part.display()))?;
                let mut out = std::io::BufWriter::new(file);
                let rows = write_export(
                    &ReadPool::on_primary(&opened.pool),
                    layer,
                    format,
                    filters,
                    &mut out,
                    |n| bar.set_message(format!("{n} rows written to {}", output.display())),
                )
                .await?;
                drop(out);
                std::fs::rename(&part, &output)
                    .with_context(|| format!("cannot move the export to {}", output.display()))?;
                anyhow::Ok(rows)
            }
            .await;
            bar.finish_and_clear();
            opened.close().await?;
            match result {
                Ok(rows) => {
                    println!(
                        "{rows} rows written to {} in {:.2} s",
                        output.display(),
                        started.elapsed().as_secs_f64()
                    );
                    Ok(())
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&part);
                    Err(e)
                }
            }
        }
        Command::Glyphs { .. } => unreachable!("glyphs are rendered before the runtime starts"),
        Command::User { action } => {
            let opened = database.open(1).await?;
            let mut conn = opened.pool.acquire().await?;
            let result = users::run(&mut conn, action).await;
            drop(conn);
            opened.close().await?;
            result
        }
        Command::Db { action } => {
            let cluster = EmbeddedCluster::new(&cli.cluster_dir)?;
            match action {
                DbAction::Dump { output } => {
                    let output = output.unwrap_or_else(backup::default_dump_file);
                    return backup::dump(database, &output).await;
                }
                DbAction::Restore { file, clean } => {
                    return backup::restore(database, &file, clean).await;
                }
                DbAction::Start => {
                    let running = cluster.start().await?;
                    observatory_core::database::connect_and_migrate(cluster.connect_options(), 1)
                        .await?;
                    println!(
                        "{} ({})",
                        if running.started_here {
                            "started"
                        } else {
                            "already running"
                        },
                        cluster.url()
                    );
                }
                DbAction::Stop => {
                    cluster.stop().await?;
                    println!("stopped");
                }
                DbAction::Status => {
                    let running = cluster.is_running().await?;
                    println!("{}", if running { "running" } else { "stopped" });
                }
                DbAction::Url => println!("{}", cluster.url()),
            }
            Ok(())
        }
    }
}

impl QuickArgs {
    fn into_import(self) -> anyhow::Result<Option<observatory_ingest::QuickImport>> {
        let Some(file) = self.file else {
            return Ok(None);
        };
        let Some(source_id) = self.source_id else {
            anyhow::bail!("--file needs --source-id");
        };
        let category = match (self.category, self.category_field) {
            (Some(category), _) => observatory_ingest::CategoryRule::Fixed(category),
            (None, Some(field)) => observatory_ingest::CategoryRule::Field {
                field,
                vocabulary: self.vocabulary,
            },
            (None, None) => anyhow::bail!(
                "--file needs the category of its records: --category-field FIELD (a field \
                 holding each record's category) or --category ID (every record the same, \
                 e.g. --category pharmacy)"
            ),
        };
        Ok(Some(observatory_ingest::QuickImport {
            file,
            source_id,
            taxonomy: self.taxonomy,
            category,
            id_field: self.id_field,
            name_field: self.name_field,
            x_field: self.x_field,
            y_field: self.y_field,
            srid: self.srid,
            delimiter: self.delimiter,
            latin1: self.encoding == "latin-1",
            observed_on: self
                .observed_on
                .unwrap_or_else(|| chrono::Utc::now().date_naive()),
            coverage: self.coverage,
            licence: self.licence,
        }))
    }
}

/// Runs `work` (the server's loops) to its end. On the first SIGTERM or Ctrl-C, the loops
/// drain (`Phase::Draining`); `grace` later, or at a second signal, they are cut. Returns
/// when the signal came, if it did, and `work`'s output.
/// Why the server stopped serving.
enum Stopped {
    /// A signal at this moment; the requests in flight had their grace period.
    Signalled(Instant),
    /// An event loop stopped with an error.
    ByItself,
    /// The embedded database died under it: what to tell the operator.
    DatabaseGone(String),
}

async fn drain_on_signal<T>(
    phase: &tokio::sync::watch::Sender<serve::Phase>,
    grace: Duration,
    work: impl std::future::Future<Output = T>,
    database_gone: Option<impl std::future::Future<Output = String>>,
) -> (Stopped, T) {
    tokio::pin!(work);
    let database_gone = async {
        match database_gone {
            Some(gone) => gone.await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        output = &mut work => return (Stopped::ByItself, output),
        () = shutdown_signal() => {}
        why = database_gone => {
            // Nothing in flight can finish without the database: stop at once.
            tracing::error!(reason = %why, "the database is gone");
            phase.send_replace(serve::Phase::Cut);
            return (Stopped::DatabaseGone(why), work.await);
        }
    }
    let signalled = Instant::now();
    phase.send_replace(serve::Phase::Draining);
    tracing::info!(
        grace_s = grace.as_secs(),
        "no new connections; finishing the requests in flight"
    );
    let cut = async {
        tokio::select! {
            () = tokio::time::sleep(grace) => tracing::warn!(
                grace_s = grace.as_secs(),
                "the grace period is over: cutting the requests still running"
            ),
            () = shutdown_signal() => tracing::warn!(
                "a second signal: cutting the requests still running"
            ),
        }
        phase.send_replace(serve::Phase::Cut);
        std::future::pending::<()>().await;
    };
    tokio::select! {
        output = &mut work => (Stopped::Signalled(signalled), output),
        () = cut => unreachable!("the cut never ends"),
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Removes, every hour, what the observatory keeps no longer (expired sessions, past
/// rate-limit windows, old contact addresses and rejected texts; README, "Participation").
/// A failed purge is logged and tried again the next hour.
async fn purge_every_hour(pool: sqlx::PgPool) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        match observatory_server::participation::retention::purge(&pool).await {
            Ok(purged) => tracing::info!(?purged, "retention purge"),
            Err(e) => {
                tracing::warn!(error = %e, "the retention purge failed; it runs again in an hour")
            }
        }
    }
}
