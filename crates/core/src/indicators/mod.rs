//! Indicators per commune, computed in PostGIS: counts, per 1,000 inhabitants, presence,
//! distance to the nearest service across the border and within the country, population
//! change. The ingest refreshes everything; when one service changes (a citizen report
//! accepted), only the origins and communes it can affect are recomputed, with the very
//! same statements restricted to a scope.

use sqlx::PgConnection;

/// The indicators the SQL computes; `data/indicators.toml` must define exactly these.
pub const COMPUTED: [&str; 14] = [
    "service_count",
    "services_per_1000",
    "service_presence",
    "nearest_service_m",
    "nearest_service_national_m",
    "nearest_commune_with_service_m",
    "services_gained",
    "services_lost",
    "services_net_change",
    "train_stops_change_pct",
    "population_change_pct",
    "basket_within_reach",
    "share_beyond_walk_pct",
    "share_beyond_cycle_pct",
];

/// Recomputes every indicator of every commune, in the caller's transaction.
pub async fn refresh_all(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(include_str!("sql/prepare.sql"))
        .execute(&mut *conn)
        .await?;
    sqlx::raw_sql(include_str!("sql/scope_all.sql"))
        .execute(&mut *conn)
        .await?;
    recompute_scope(conn).await?;
    sqlx::raw_sql(include_str!("sql/refresh_population_change.sql"))
        .execute(&mut *conn)
        .await?;
    sqlx::raw_sql(include_str!("sql/refresh_change.sql"))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A service that was added, changed, moved or removed: its category, id, and a position
/// it is or was at (call once for the old and once for the new position of a move).
#[derive(Debug, Clone)]
pub struct ServiceChange {
    pub category: crate::ServiceCategory,
    pub service_id: i64,
    pub longitude: f64,
    pub latitude: f64,
}

/// Recomputes what one changed service can affect, in the caller's transaction. Returns
/// how many communes were recomputed.
pub async fn refresh_for_service(
    conn: &mut PgConnection,
    change: &ServiceChange,
) -> Result<u64, sqlx::Error> {
    sqlx::raw_sql(include_str!("sql/prepare.sql"))
        .execute(&mut *conn)
        .await?;
    sqlx::query(include_str!("sql/scope_service_origins.sql"))
        .bind(change.category.as_str())
        .bind(change.service_id)
        .bind(change.longitude)
        .bind(change.latitude)
        .execute(&mut *conn)
        .await?;
    let communes = sqlx::query(include_str!("sql/scope_service_communes.sql"))
        .bind(change.category.as_str())
        .bind(change.longitude)
        .bind(change.latitude)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    recompute_scope(conn).await?;
    Ok(communes)
}

async fn recompute_scope(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(include_str!("sql/refresh_nearest.sql"))
        .execute(&mut *conn)
        .await?;
    sqlx::raw_sql(include_str!("sql/refresh_values.sql"))
        .execute(&mut *conn)
        .await?;
    Ok(())
}
