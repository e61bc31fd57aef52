//! The nearest commune that has a service counted only per commune (inventories such as
//! INSEE's BPE), for every commune that has none, searched in this process as the
//! nearest services are: one tree of the places that have each kind (category and
//! year), the geodesic picking the nearest, PostGIS measuring the distance written
//! (`inventory_candidates_write.sql`). A geography index walk per commune, stepping past
//! the places without the kind searched for, took 250 ms of the Westhoek's refresh.

use std::collections::HashMap;

use rayon::prelude::*;
use sqlx::{Executor, PgConnection};

use super::{copy, push_keyed, Lonlat, Network, Service};

/// Writes `nearest_commune_with_service_m` for every commune and inventoried kind, in the
/// caller's transaction (a full refresh, into the table scope_all.sql emptied).
pub(in crate::indicators) async fn refresh(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    conn.execute(sqlx::raw_sql(include_str!("../sql/inventory_places.sql")))
        .await?;
    let (origins, places) = read_places(conn).await?;
    let searches = read_searches(conn).await?;
    let rows = tokio::task::spawn_blocking(move || candidates(&origins, places, &searches))
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("the nearest-commune search stopped: {e}")))?;
    let mut copy = conn
        .copy_in_raw(include_str!("../sql/inventory_candidates_copy.sql"))
        .await?;
    match copy
        .send([copy::header(), rows, copy::trailer()].concat())
        .await
    {
        Ok(_) => copy.finish().await.map(drop)?,
        Err(e) => {
            // Ended with an error, so the connection stays usable (the caller's
            // transaction is failed and rolls back).
            let _ = copy.abort(e.to_string()).await;
            return Err(e);
        }
    }
    conn.execute(sqlx::raw_sql(include_str!(
        "../sql/inventory_candidates_write.sql"
    )))
    .await?;
    Ok(())
}

/// The places that have each kind, as networks whose service ids index `origins`.
type Places = HashMap<String, Vec<Service>>;

/// The commune rows to search, by kind: their id in `inventory_access` and their point.
type Searches = HashMap<String, Vec<(i64, Lonlat)>>;

/// For each search, the place nearest to it, or every place within a millimetre of the
/// nearest (PostGIS decides between them), as `inventory_candidate` rows.
fn candidates(origins: &[String], places: Places, searches: &Searches) -> Vec<u8> {
    let mut writer = copy::Writer::default();
    for (kind, services) in places {
        let Some(to_search) = searches.get(&kind) else {
            continue;
        };
        let network = Network::new(None, services);
        let found: Vec<Vec<i64>> = to_search
            .par_iter()
            .map(|&(_, at)| {
                network
                    .nearest(at)
                    .iter()
                    .map(|(place, _)| place.id)
                    .collect()
            })
            .collect();
        for (&(id, _), places) in to_search.iter().zip(&found) {
            for &place in places {
                writer.row(2).int8(id).text(&origins[place as usize]);
            }
        }
    }
    writer.into_bytes()
}

/// The origin ids of the places that have some kind, and the places of each kind.
async fn read_places(conn: &mut PgConnection) -> Result<(Vec<String>, Places), sqlx::Error> {
    let mut origins: Vec<String> = Vec::new();
    let mut index: HashMap<String, i64> = HashMap::new();
    let mut places: Places = HashMap::new();
    copy::read_rows(
        conn,
        include_str!("../sql/inventory_places_copy.sql"),
        |mut row| {
            let kind = row.text()?.unwrap_or_default();
            let origin = row.text()?.unwrap_or_default();
            let at = Lonlat {
                lon: row.float8()?,
                lat: row.float8()?,
            };
            let id = match index.get(origin) {
                Some(&id) => id,
                None => {
                    let id = origins.len() as i64;
                    origins.push(origin.to_owned());
                    index.insert(origin.to_owned(), id);
                    id
                }
            };
            let place = Service { id, at };
            push_keyed(&mut places, kind, place);
            Ok(())
        },
    )
    .await?;
    Ok((origins, places))
}

async fn read_searches(conn: &mut PgConnection) -> Result<Searches, sqlx::Error> {
    let mut searches: Searches = HashMap::new();
    copy::read_rows(
        conn,
        include_str!("../sql/inventory_searches_copy.sql"),
        |mut row| {
            let id = row.int8()?;
            let kind = row.text()?.unwrap_or_default();
            let at = Lonlat {
                lon: row.float8()?,
                lat: row.float8()?,
            };
            push_keyed(&mut searches, kind, (id, at));
            Ok(())
        },
    )
    .await?;
    Ok(searches)
}
