//! The nearest open service of each category to many origins at once (a full refresh,
//! or whole categories after a load), searched in this process rather than by one
//! PostGIS probe per origin and category: at national scale those probes alone cost
//! about 20 s, far more than the search itself.
//!
//! The services and origins come from PostGIS by binary COPY; each category's services go
//! into one R-tree per country, in Earth-centred 3D coordinates on the WGS 84 ellipsoid.
//! A straight line through the Earth is never longer than the geodesic between the same
//! two points, so every service nearer on the spheroid than a given one lies within that
//! one's geodesic distance in 3D: the tree's nearest point gives a first candidate, one
//! search of the ball of its geodesic radius gives every service that could be nearer,
//! and their geodesics (Karney's algorithm) pick the nearest. Where several lie within a
//! millimetre of it, all of them go back, and PostGIS decides.
//!
//! The distances written are PostGIS's own (`ST_Distance` on the geography, the same
//! expression as the incremental refresh's search), computed for the services found:
//! both refreshes write the same values, bit for bit, and the test
//! `indicators::the_nearest_services_are_those_of_a_brute_force_search` checks them
//! against a brute-force search.

mod communes;
mod copy;

pub(super) use communes::refresh as refresh_nearest_communes;

use std::collections::HashMap;

use geo::{Distance, Geodesic, Point};
use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::RTree;
use sqlx::{Executor, PgConnection};

/// Two services whose geodesics from an origin differ by less than this are both sent to
/// PostGIS to decide: far above the nanometres by which two implementations of Karney's
/// algorithm can differ, far below any distance that matters.
const TIE_M: f64 = 0.001;

/// A point in longitude and latitude (EPSG:4326), as PostGIS stores it.
#[derive(Clone, Copy)]
struct Lonlat {
    lon: f64,
    lat: f64,
}

impl Lonlat {
    /// Earth-centred, Earth-fixed coordinates on the WGS 84 ellipsoid, in metres.
    fn ecef(self) -> [f64; 3] {
        const A: f64 = 6_378_137.0;
        const F: f64 = 1.0 / 298.257_223_563;
        const E2: f64 = F * (2.0 - F);
        let (lat, lon) = (self.lat.to_radians(), self.lon.to_radians());
        let n = A / (1.0 - E2 * lat.sin() * lat.sin()).sqrt();
        [
            n * lat.cos() * lon.cos(),
            n * lat.cos() * lon.sin(),
            n * (1.0 - E2) * lat.sin(),
        ]
    }

    fn geodesic_to(self, other: Lonlat) -> f64 {
        Geodesic.distance(
            Point::new(self.lon, self.lat),
            Point::new(other.lon, other.lat),
        )
    }
}

struct Service {
    id: i64,
    at: Lonlat,
}

/// One category's open services in one country (or with none: points just outside the
/// study area, which count across the border only).
struct Network {
    country: Option<String>,
    services: Vec<Service>,
    tree: RTree<GeomWithData<[f64; 3], u32>>,
}

impl Network {
    fn new(country: Option<String>, services: Vec<Service>) -> Self {
        let points = services
            .iter()
            .enumerate()
            .map(|(i, s)| GeomWithData::new(s.at.ecef(), i as u32))
            .collect();
        Network {
            country,
            services,
            tree: RTree::bulk_load(points),
        }
    }

    /// The services of this network within [`TIE_M`] of the nearest to `origin`, with
    /// their geodesics; empty only when the network is.
    fn nearest(&self, origin: Lonlat) -> Nearest<'_> {
        let here = origin.ecef();
        let Some(first) = self.tree.nearest_neighbor(&here) else {
            return Vec::new();
        };
        let reach = self.services[first.data as usize].at.geodesic_to(origin) + TIE_M;
        let mut within: Nearest = self
            .tree
            .locate_within_distance(here, reach * reach)
            .map(|p| {
                let service = &self.services[p.data as usize];
                (service, service.at.geodesic_to(origin))
            })
            .collect();
        keep_ties(&mut within);
        within
    }
}

/// The nearest services of one origin in one scope, with their geodesics: one, or several
/// within [`TIE_M`] of each other.
type Nearest<'a> = Vec<(&'a Service, f64)>;

/// Keeps the nearest and those within [`TIE_M`] of it.
fn keep_ties(found: &mut Vec<(&Service, f64)>) {
    let best = found.iter().map(|(_, d)| *d).fold(f64::INFINITY, f64::min);
    found.retain(|(_, d)| *d <= best + TIE_M);
}

struct Origin {
    id: String,
    country: String,
    at: Lonlat,
}

/// The nearest services of the origins in `nearest_scope`, written into `access_nearest`
/// (whose rows for them `refresh_nearest.sql` has deleted), in the caller's transaction.
pub(super) async fn search_in_process(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    let started = std::time::Instant::now();
    let mut services = read_services(conn).await?;
    let (origins, mut scope) = read_origins(conn).await?;
    let read = started.elapsed();
    let origins = std::sync::Arc::new(origins);

    let mut categories: Vec<String> = scope.keys().cloned().collect();
    categories.sort();
    let mut copy = conn
        .copy_in_raw(include_str!("../sql/nearest_candidates_copy.sql"))
        .await?;
    let sent = async {
        copy.send(copy::header()).await?;
        for category in categories {
            let in_scope = scope.remove(&category).unwrap_or_default();
            let by_country = services.remove(&category).unwrap_or_default();
            let origins = std::sync::Arc::clone(&origins);
            let rows = tokio::task::spawn_blocking(move || {
                let mut writer = copy::Writer::default();
                search_category(&category, by_country, &origins, &in_scope, &mut writer);
                writer.into_bytes()
            })
            .await
            .map_err(|e| {
                sqlx::Error::Protocol(format!("the nearest-service search stopped: {e}"))
            })?;
            copy.send(rows).await?;
        }
        copy.send(copy::trailer()).await.map(drop)
    }
    .await;
    let searched = started.elapsed();
    match sent {
        Ok(()) => copy.finish().await.map(drop)?,
        Err(e) => {
            // The COPY is ended with an error, so the connection stays usable (the
            // caller's transaction is failed and rolls back).
            let _ = copy.abort(e.to_string()).await;
            return Err(e);
        }
    }
    conn.execute(sqlx::raw_sql(include_str!(
        "../sql/nearest_candidates_write.sql"
    )))
    .await?;
    tracing::debug!(
        origins = origins.len(),
        read_ms = read.as_millis(),
        search_ms = (searched - read).as_millis(),
        measure_ms = (started.elapsed() - searched).as_millis(),
        "nearest services searched in the process"
    );
    Ok(())
}

/// Searches one category for its origins in scope, writing the candidates as COPY rows.
fn search_category(
    category: &str,
    by_country: HashMap<Option<String>, Vec<Service>>,
    origins: &[Origin],
    in_scope: &[u32],
    writer: &mut copy::Writer,
) {
    let networks: Vec<Network> = by_country
        .into_par_iter()
        .map(|(country, services)| Network::new(country, services))
        .collect();
    let found: Vec<(Nearest, Nearest)> = in_scope
        .par_iter()
        .map(|&i| {
            let origin = &origins[i as usize];
            let mut across = Vec::new();
            let mut national = Vec::new();
            for network in &networks {
                let nearest = network.nearest(origin.at);
                if network.country.as_deref() == Some(origin.country.as_str()) {
                    national.clone_from(&nearest);
                }
                across.extend(nearest);
            }
            keep_ties(&mut across);
            (across, national)
        })
        .collect();
    for (&i, (across, national)) in in_scope.iter().zip(&found) {
        let origin = &origins[i as usize];
        let mut candidate = |service: &Service, scopes: Scopes, alone: bool| {
            writer
                .row(10)
                .text(&origin.id)
                .text(category)
                .boolean(scopes.across)
                .boolean(scopes.national)
                .int8(service.id)
                .boolean(alone)
                .float8(origin.at.lon)
                .float8(origin.at.lat)
                .float8(service.at.lon)
                .float8(service.at.lat);
        };
        match (across.as_slice(), national.as_slice()) {
            // Most origins: one nearest service, in their own country. Measured once.
            ([(a, _)], [(n, _)]) if a.id == n.id => candidate(a, Scopes::BOTH, true),
            _ => {
                for (service, _) in across {
                    candidate(service, Scopes::ACROSS, across.len() == 1);
                }
                for (service, _) in national {
                    candidate(service, Scopes::NATIONAL, national.len() == 1);
                }
            }
        }
    }
}

/// Which rows of `access_nearest` a candidate is for: across the border, within the
/// country, or both.
#[derive(Clone, Copy)]
struct Scopes {
    across: bool,
    national: bool,
}

impl Scopes {
    const BOTH: Scopes = Scopes {
        across: true,
        national: true,
    };
    const ACROSS: Scopes = Scopes {
        across: true,
        national: false,
    };
    const NATIONAL: Scopes = Scopes {
        across: false,
        national: true,
    };
}

/// Adds `value` to the list of `key`, copying the key only the first time it comes (rows
/// of a COPY lend their text, and most rows repeat a key already seen).
fn push_keyed<V>(map: &mut HashMap<String, Vec<V>>, key: &str, value: V) {
    match map.get_mut(key) {
        Some(list) => list.push(value),
        None => {
            map.insert(key.to_owned(), vec![value]);
        }
    }
}

/// The open services of the categories in scope, by category and country.
async fn read_services(
    conn: &mut PgConnection,
) -> Result<HashMap<String, HashMap<Option<String>, Vec<Service>>>, sqlx::Error> {
    let mut services: HashMap<String, HashMap<Option<String>, Vec<Service>>> = HashMap::new();
    copy::read_rows(
        conn,
        include_str!("../sql/nearest_services.sql"),
        |mut row| {
            let category = row.text()?.unwrap_or_default();
            let country = row.text()?.map(str::to_owned);
            let service = Service {
                id: row.int8()?,
                at: Lonlat {
                    lon: row.float8()?,
                    lat: row.float8()?,
                },
            };
            match services.get_mut(category) {
                Some(networks) => networks.entry(country).or_default().push(service),
                None => {
                    services.insert(
                        category.to_owned(),
                        HashMap::from([(country, vec![service])]),
                    );
                }
            }
            Ok(())
        },
    )
    .await?;
    Ok(services)
}

/// The origins in scope (each once) and, per category, the indices of its origins.
async fn read_origins(
    conn: &mut PgConnection,
) -> Result<(Vec<Origin>, HashMap<String, Vec<u32>>), sqlx::Error> {
    let mut origins: Vec<Origin> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut scope: HashMap<String, Vec<u32>> = HashMap::new();
    copy::read_rows(
        conn,
        include_str!("../sql/nearest_origins.sql"),
        |mut row| {
            let category = row.text()?.unwrap_or_default();
            let id = row.text()?.unwrap_or_default();
            let country = row.text()?.unwrap_or_default();
            let at = Lonlat {
                lon: row.float8()?,
                lat: row.float8()?,
            };
            let i = match index.get(id) {
                Some(&i) => i,
                None => {
                    let i = origins.len() as u32;
                    origins.push(Origin {
                        id: id.to_owned(),
                        country: country.to_owned(),
                        at,
                    });
                    index.insert(id.to_owned(), i);
                    i
                }
            };
            push_keyed(&mut scope, category, i);
            Ok(())
        },
    )
    .await?;
    Ok((origins, scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lon: f64, lat: f64) -> Lonlat {
        Lonlat { lon, lat }
    }

    #[test]
    fn the_straight_line_is_never_longer_than_the_geodesic() {
        // Ieper to points around it, from a metre to across the two countries.
        let ieper = at(2.885, 50.851);
        for (dlon, dlat) in [
            (1e-5, 0.0),
            (0.0, 1e-5),
            (0.1, 0.1),
            (-2.0, 1.5),
            (5.0, -7.0),
        ] {
            let other = at(ieper.lon + dlon, ieper.lat + dlat);
            let (a, b) = (ieper.ecef(), other.ecef());
            let chord =
                ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
            let geodesic = ieper.geodesic_to(other);
            assert!(chord <= geodesic, "{chord} > {geodesic}");
            // and not by much at the distances of everyday services
            if geodesic < 20_000.0 {
                assert!(geodesic - chord < 0.01, "{geodesic} - {chord}");
            }
        }
    }

    #[test]
    fn the_nearest_is_found_and_near_ties_are_all_kept() {
        let origin = at(2.885, 50.851);
        let services = vec![
            Service {
                id: 1,
                at: at(2.95, 50.85),
            },
            // two at one address, nearer than the first
            Service {
                id: 7,
                at: at(2.89, 50.852),
            },
            Service {
                id: 3,
                at: at(2.89, 50.852),
            },
            Service {
                id: 4,
                at: at(2.70, 50.90),
            },
        ];
        let network = Network::new(Some("BE".to_owned()), services);
        let mut ids: Vec<i64> = network.nearest(origin).iter().map(|(s, _)| s.id).collect();
        ids.sort();
        assert_eq!(ids, vec![3, 7]);
        let empty = Network::new(None, Vec::new());
        assert!(empty.nearest(origin).is_empty());
    }
}
