//! Indicators per commune, computed in PostGIS: counts, per 1,000 inhabitants, presence,
//! distance to the nearest service across the border and within the country, population
//! change. Shared by the ingest (full refresh) and the server (reads, later incremental
//! refreshes when a citizen report is accepted).

use sqlx::PgConnection;

/// The indicators the SQL computes; `data/indicators.toml` must define exactly these.
pub const COMPUTED: [&str; 6] = [
    "service_count",
    "services_per_1000",
    "service_presence",
    "nearest_service_m",
    "nearest_service_national_m",
    "population_change_pct",
];

/// Recomputes every indicator of every commune, in the caller's transaction.
pub async fn refresh_all(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(include_str!("sql/refresh_all.sql"))
        .execute(conn)
        .await?;
    Ok(())
}
