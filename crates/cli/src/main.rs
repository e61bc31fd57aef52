//! `observatory`: the one binary of the Westhoek Observatory.

mod database;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use observatory_core::database::EmbeddedCluster;

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
    #[arg(long, env = "OBSERVATORY_CLUSTER_DIR", default_value = ".observatory/postgres", global = true)]
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

#[derive(Subcommand)]
enum Command {
    /// Load the sources a manifest names into the database, in one transaction.
    Ingest {
        /// The manifest (TOML) that names every source file and its fields.
        #[arg(default_value = "data/manifests/westhoek.toml")]
        manifest: PathBuf,
        /// Folder the manifest's source paths are relative to (overrides its `data_dir`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Do not draw a progress bar.
        #[arg(long)]
        no_progress: bool,
    },
    /// Serve the map, the tiles, the exports and the API.
    Serve {
        /// Address and port to listen on.
        #[arg(long, env = "OBSERVATORY_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Folder of the web map (index.html, app.js, node_modules/maplibre-gl).
        #[arg(long, env = "OBSERVATORY_WEB_DIR", default_value = "web")]
        web_dir: PathBuf,
    },
    /// Manage the embedded PostgreSQL cluster.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let database = Database::choose(cli.database_url.as_deref(), &cli.cluster_dir)?;
    match cli.command {
        Command::Ingest { manifest, data_dir, no_progress } => {
            let opened = database.open(2).await?;
            let options = observatory_ingest::IngestOptions {
                manifest,
                data_dir,
                progress: !no_progress && std::io::IsTerminal::is_terminal(&std::io::stderr()),
            };
            let started = Instant::now();
            let result = observatory_ingest::run(&opened.pool, &options).await;
            opened.close().await?;
            let summary = result?;
            print!("{summary}");
            println!("ingest committed in {:.2} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Serve { listen, web_dir } => {
            let opened = database.open(16).await?;
            if !web_dir.join("index.html").is_file() {
                tracing::warn!(web_dir = %web_dir.display(), "no index.html in the web folder: the map page will be missing");
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}; is another server using it? Choose another with --listen"))?;
            let address = listener.local_addr()?;
            tracing::info!(%address, "serving the observatory");
            println!("listening on http://{address}");
            let state = observatory_server::AppState { pool: opened.pool.clone(), web_dir };
            let served = observatory_server::serve(listener, state, shutdown_signal()).await;
            opened.close().await?;
            served.context("the server stopped with an error")
        }
        Command::Db { action } => {
            let cluster = EmbeddedCluster::new(&cli.cluster_dir)?;
            match action {
                DbAction::Start => {
                    let running = cluster.start().await?;
                    observatory_core::database::connect_and_migrate(cluster.connect_options(), 1).await?;
                    println!("{} ({})", if running.started_here { "started" } else { "already running" }, cluster.url());
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

/// Resolves on Ctrl-C or SIGTERM, so the embedded cluster is stopped cleanly after.
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
