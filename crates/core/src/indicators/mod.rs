//! Indicators per commune: counts, per 1,000 inhabitants, presence, distance to the
//! nearest service across the border and within the country, population change. The
//! values are computed in PostGIS; the nearest services of many origins at once (a full
//! refresh, whole categories) are searched in this process (`nearest`), their distances
//! still measured by PostGIS. The ingest refreshes everything; when one service changes
//! (a citizen report accepted), only the origins and communes it can affect are
//! recomputed, with the very same statements restricted to a scope.

mod nearest;

use sqlx::{Executor, PgConnection};

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

/// Recomputes every indicator of every commune, in the caller's transaction. The rows
/// are written without per-row foreign-key checks; the keys are added back, checking
/// every row at once, before this returns.
pub async fn refresh_all(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    begin_full(conn).await?;
    recompute_scope(conn, Refresh::Full).await?;
    conn.execute(sqlx::raw_sql(include_str!(
        "sql/refresh_population_change.sql"
    )))
    .await?;
    conn.execute(sqlx::raw_sql(include_str!("sql/refresh_change.sql")))
        .await?;
    nearest::refresh_nearest_communes(conn).await?;
    refresh_map_values(conn).await?;
    end_full(conn).await
}

/// The nearest services of every origin and category (across the border and within the
/// country), the part of [`refresh_all`] that searches space, on its own: the national
/// benchmark compares it with a plain search per category. In the caller's transaction;
/// the indicator values are left empty until [`refresh_all`] runs.
pub async fn refresh_all_nearest(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    begin_full(conn).await?;
    refresh_nearest(conn, Refresh::Full).await?;
    end_full(conn).await
}

async fn begin_full(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    conn.execute(sqlx::raw_sql(include_str!("sql/prepare.sql")))
        .await?;
    conn.execute(sqlx::raw_sql(include_str!("sql/full_begin.sql")))
        .await?;
    conn.execute(sqlx::raw_sql(include_str!("sql/scope_all.sql")))
        .await?;
    Ok(())
}

async fn end_full(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    conn.execute(sqlx::raw_sql(include_str!("sql/full_end.sql")))
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
/// how many communes were recomputed. A change that gives a side of the border its first
/// service of a category, or takes its last, or its first or last from one source,
/// changes what every commune there can know or rests on: the whole category is
/// recomputed then.
pub async fn refresh_for_service(
    conn: &mut PgConnection,
    change: &ServiceChange,
) -> Result<u64, sqlx::Error> {
    conn.execute(sqlx::raw_sql(include_str!("sql/prepare.sql")))
        .await?;
    let coverage_changed: bool = sqlx::query_scalar(include_str!("sql/coverage_changed.sql"))
        .bind(change.category.as_str())
        .fetch_one(&mut *conn)
        .await?;
    if coverage_changed {
        refresh_categories(conn, std::slice::from_ref(&change.category)).await?;
        return sqlx::query_scalar(include_str!("sql/scope_commune_count.sql"))
            .fetch_one(&mut *conn)
            .await
            .map(|n: i64| n as u64);
    }
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
    recompute_scope(conn, Refresh::Service).await?;
    refresh_map_values(conn).await?;
    Ok(communes)
}

/// Recomputes every indicator that the services of `categories` feed, for every commune,
/// in the caller's transaction: what a load of service points changes (counts, nearest
/// services, the basket), without what it cannot (population, inventories, train
/// series). The same statements as the full refresh, restricted to those categories.
pub async fn refresh_categories(
    conn: &mut PgConnection,
    categories: &[crate::ServiceCategory],
) -> Result<(), sqlx::Error> {
    if categories.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
    conn.execute(sqlx::raw_sql(include_str!("sql/prepare.sql")))
        .await?;
    sqlx::query(include_str!("sql/scope_categories_everywhere.sql"))
        .bind(&names)
        .execute(&mut *conn)
        .await?;
    recompute_scope(conn, Refresh::Categories).await?;
    refresh_map_values(conn).await
}

/// The map's row of main values for each commune in scope, read by the communes tiles and
/// export; after the values (a scoped refresh finds a commune's values by their key).
async fn refresh_map_values(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    conn.execute(sqlx::raw_sql(include_str!("sql/refresh_map_values.sql")))
        .await?;
    Ok(())
}

/// The nearest services of one category to the origins in scope: across the border, then
/// within the country for the origins whose nearest is abroad (see nearest_search.sql).
async fn nearest_of_category(conn: &mut PgConnection, category: &str) -> Result<(), sqlx::Error> {
    conn.execute(sqlx::raw_sql(include_str!("sql/nearest_clear.sql")))
        .await?;
    for scope in ["any", "national"] {
        sqlx::query(include_str!("sql/nearest_search.sql"))
            .bind(category)
            .bind(scope)
            .execute(&mut *conn)
            .await?;
        conn.execute(sqlx::raw_sql(include_str!("sql/nearest_next.sql")))
            .await?;
        sqlx::query(include_str!("sql/nearest_settle.sql"))
            .bind(category)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(include_str!("sql/nearest_write.sql"))
        .bind(category)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What a refresh recomputes.
#[derive(Clone, Copy, PartialEq)]
enum Refresh {
    /// Every row, written afresh without per-row key checks (see `sql/full_begin.sql`).
    Full,
    /// Every commune, for some categories: their gaps too.
    Categories,
    /// The communes one changed service can affect, whose country gaps it cannot change
    /// (`refresh_for_service` recomputes the category when it can).
    Service,
}

async fn recompute_scope(conn: &mut PgConnection, refresh: Refresh) -> Result<(), sqlx::Error> {
    refresh_nearest(conn, refresh).await?;
    if refresh != Refresh::Full {
        conn.execute(sqlx::raw_sql(include_str!("sql/clear_scope.sql")))
            .await?;
    }
    conn.execute(sqlx::raw_sql(include_str!("sql/refresh_values.sql")))
        .await?;
    if refresh != Refresh::Service {
        conn.execute(sqlx::raw_sql(include_str!("sql/refresh_gaps.sql")))
            .await?;
    }
    conn.execute(sqlx::raw_sql(include_str!("sql/refresh_basket.sql")))
        .await?;
    Ok(())
}

/// The nearest services of the origins in scope. A full refresh, or one of whole
/// categories, searches every origin: in this process, from one read of the services
/// (see `nearest`). One changed service affects a handful of origins: PostGIS searches
/// them one category at a time, on the category's own index if it is a rare one
/// (migration 0026), rather than reading a category's services (1.4 million bus stops
/// nationally) for them.
async fn refresh_nearest(conn: &mut PgConnection, refresh: Refresh) -> Result<(), sqlx::Error> {
    conn.execute(sqlx::raw_sql(include_str!("sql/refresh_nearest.sql")))
        .await?;
    if refresh == Refresh::Service {
        let categories: Vec<String> = sqlx::query_scalar(include_str!("sql/scope_categories.sql"))
            .fetch_all(&mut *conn)
            .await?;
        for category in &categories {
            nearest_of_category(conn, category).await?;
        }
    } else {
        nearest::search_in_process(conn).await?;
    }
    if refresh == Refresh::Full {
        conn.execute(sqlx::raw_sql(include_str!("sql/full_nearest_end.sql")))
            .await?;
    }
    Ok(())
}
