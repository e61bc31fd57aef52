//! `observatory db dump` and `observatory db restore`: PostgreSQL's own `pg_dump` and
//! `pg_restore` against the database the command would use (`DATABASE_URL`, or the
//! embedded cluster), in the custom format, which holds the schema, every row (the
//! participation's included), the migrations already applied and `CREATE EXTENSION
//! postgis`.
//!
//! A dump is written beside its target and renamed when complete, so a failed one leaves
//! no file. A restore runs in one transaction (`--single-transaction`): a failed one
//! leaves the database as it was. It goes into an empty database; one that already holds
//! tables is refused unless `--clean` is given, which drops what the dump holds first
//! (`--clean --if-exists`) in that same transaction.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use anyhow::Context;
use observatory_core::database::{self, EmbeddedCluster, RunningCluster};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{ConnectOptions, Connection};

use crate::database::Database;

/// The first bytes of every custom-format archive.
const ARCHIVE_MAGIC: &[u8] = b"PGDMP";

/// Where the tools connect, and the embedded cluster to stop after, if started for this.
struct Target {
    options: PgConnectOptions,
    cluster: Option<RunningCluster>,
}

impl Target {
    async fn open(database: Database, create: bool) -> anyhow::Result<Target> {
        match database {
            Database::External(options) => Ok(Target {
                options: *options,
                cluster: None,
            }),
            Database::Embedded(cluster) => {
                if !create && !cluster.dir().join("data/PG_VERSION").exists() {
                    anyhow::bail!(
                        "there is no embedded cluster in {}: nothing to dump. Give its folder \
                         with --cluster-dir, or set DATABASE_URL",
                        cluster.dir().display()
                    );
                }
                let running = cluster.start().await?;
                Ok(Target {
                    options: cluster.connect_options(),
                    cluster: Some(running),
                })
            }
        }
    }

    /// The database for messages: its socket folder or host, port and name.
    fn describe(&self) -> String {
        match self.options.get_socket() {
            Some(socket) => format!(
                "{} (socket in {})",
                self.options.get_database().unwrap_or("(default)"),
                socket.display()
            ),
            None => database::describe(&self.options),
        }
    }

    /// Stops the embedded cluster if it was started for this command.
    async fn close(self) -> anyhow::Result<()> {
        if let Some(cluster) = self.cluster {
            cluster.release().await?;
        }
        Ok(())
    }

    /// A PostgreSQL client program with the connection in libpq's environment variables:
    /// the password never appears in the process list, and no URL parameter that only
    /// sqlx knows reaches libpq.
    fn command(&self, tool: &'static str) -> anyhow::Result<tokio::process::Command> {
        let program = EmbeddedCluster::client_program(tool)?;
        let mut command = tokio::process::Command::new(program);
        let options = &self.options;
        let host = match options.get_socket() {
            Some(socket) => socket.display().to_string(),
            None => options.get_host().to_owned(),
        };
        command
            .env("PGHOST", host)
            .env("PGPORT", options.get_port().to_string())
            .env("PGUSER", options.get_username())
            .env("PGAPPNAME", format!("observatory {tool}"))
            .env("PGSSLMODE", ssl_mode(options.get_ssl_mode()))
            .env_remove("PGSERVICE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(database) = options.get_database() {
            command.env("PGDATABASE", database);
        }
        let url = options.to_url_lossy();
        if let Some(password) = url.password() {
            command.env("PGPASSWORD", percent_decode(password));
        }
        for (key, value) in url.query_pairs() {
            match &*key {
                "sslrootcert" => command.env("PGSSLROOTCERT", &*value),
                "sslcert" => command.env("PGSSLCERT", &*value),
                "sslkey" => command.env("PGSSLKEY", &*value),
                _ => continue,
            };
        }
        Ok(command)
    }
}

fn ssl_mode(mode: PgSslMode) -> &'static str {
    match mode {
        PgSslMode::Disable => "disable",
        PgSslMode::Allow => "allow",
        PgSslMode::Prefer => "prefer",
        PgSslMode::Require => "require",
        PgSslMode::VerifyCa => "verify-ca",
        PgSslMode::VerifyFull => "verify-full",
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(((hex(h).unwrap_or(0) << 4) | hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs a client program, returning its standard error's last lines when it fails.
async fn run_tool(mut command: tokio::process::Command, tool: &str) -> anyhow::Result<()> {
    let output = command
        .output()
        .await
        .with_context(|| format!("cannot run {tool}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
    let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n  ");
    let hint = if stderr.contains("server version mismatch") {
        "\nThe client programs are older than the server: install the postgresql-client \
         package of the server's major version (or newer)."
    } else if stderr.contains("postgis") && stderr.contains("control file") {
        "\nPostGIS is not installed on the target server: install its package \
         (`apt-get install postgresql-15-postgis-3` for PostgreSQL 15)."
    } else {
        ""
    };
    anyhow::bail!("{tool} failed ({}):\n  {tail}{hint}", output.status)
}

/// The file a dump goes to when none is named: `observatory-YYYYMMDD-HHMMSS.dump`.
pub fn default_dump_file() -> PathBuf {
    PathBuf::from(format!(
        "observatory-{}.dump",
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    ))
}

pub async fn dump(database: Database, output: &Path) -> anyhow::Result<()> {
    let target = Target::open(database, false).await?;
    let result = dump_to(&target, output).await;
    target.close().await?;
    result
}

async fn dump_to(target: &Target, output: &Path) -> anyhow::Result<()> {
    // Written beside the target, then renamed: a failed dump leaves no file.
    let mut part = output.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let started = Instant::now();
    let mut command = target.command("pg_dump")?;
    command
        .args(["--format=custom", "--no-password", "--file"])
        .arg(&part);
    let result = async {
        run_tool(command, "pg_dump").await?;
        std::fs::rename(&part, output)
            .with_context(|| format!("cannot move the dump to {}", output.display()))
    }
    .await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    let size = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
    println!(
        "dumped {} to {} ({:.1} MiB) in {:.2} s",
        target.describe(),
        output.display(),
        size as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub async fn restore(database: Database, input: &Path, clean: bool) -> anyhow::Result<()> {
    check_archive(input)?;
    let target = Target::open(database, true).await?;
    let result = restore_from(&target, input, clean).await;
    target.close().await?;
    result
}

/// A custom-format archive of pg_dump, or a clear refusal before anything is touched.
fn check_archive(input: &Path) -> anyhow::Result<()> {
    use std::io::Read;
    let mut magic = [0u8; 5];
    std::fs::File::open(input)
        .and_then(|mut file| file.read_exact(&mut magic))
        .with_context(|| format!("cannot read the dump {}", input.display()))?;
    anyhow::ensure!(
        magic == ARCHIVE_MAGIC,
        "{} is not a dump of `observatory db dump` (pg_dump's custom format)",
        input.display()
    );
    Ok(())
}

async fn restore_from(target: &Target, input: &Path, clean: bool) -> anyhow::Result<()> {
    let options = target.options.clone().disable_statement_logging();
    let mut conn = sqlx::PgConnection::connect_with(&options)
        .await
        .with_context(|| format!("cannot connect to {}", target.describe()))?;
    let tables = user_tables(&mut conn).await?;
    conn.close().await?;
    if tables > 0 && !clean {
        anyhow::bail!(
            "{} already holds {tables} tables: nothing was restored. Restore into an empty \
             database (a new one, or the embedded cluster of a new --cluster-dir), or give \
             --clean to replace what the dump holds, in one transaction",
            target.describe()
        );
    }
    let started = Instant::now();
    let mut command = target.command("pg_restore")?;
    command.args([
        "--format=custom",
        "--no-password",
        "--single-transaction",
        "--exit-on-error",
        // Objects belong to the role that restores, whatever role made the dump.
        "--no-owner",
        "--no-privileges",
    ]);
    if clean {
        command.args(["--clean", "--if-exists"]);
    }
    if let Some(name) = target.options.get_database() {
        command.arg("--dbname").arg(name);
    } else {
        command.arg("--dbname").arg(target.options.get_username());
    }
    command.arg(input);
    run_tool(command, "pg_restore")
        .await
        .context("the restore was rolled back: the database is as it was")?;
    let restored = started.elapsed();
    // A dump of an older version gets the migrations it lacks; one of a newer version
    // is refused here, with the migration the program does not know.
    let pool = database::connect_and_migrate(target.options.clone(), 1)
        .await
        .context("the dump was restored, but its schema does not fit this version")?;
    let (services, contributions): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM service), (SELECT count(*) FROM contribution)",
    )
    .fetch_one(&pool)
    .await?;
    pool.close().await;
    println!(
        "restored {} into {} in {:.2} s: {services} services, {contributions} contributions",
        input.display(),
        target.describe(),
        restored.as_secs_f64()
    );
    Ok(())
}

/// Tables, views and sequences outside the system schemas that no extension owns
/// (PostGIS's `spatial_ref_sys` is not the observatory's).
async fn user_tables(conn: &mut sqlx::PgConnection) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname NOT LIKE 'pg\\_toast%'
           AND NOT EXISTS (
               SELECT 1 FROM pg_depend d
               WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')",
    )
    .fetch_one(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn passwords_are_percent_decoded() {
        assert_eq!(percent_decode("p%40ss%2Fw0rd"), "p@ss/w0rd");
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%C3%A9t%C3%A9"), "été");
    }
}
