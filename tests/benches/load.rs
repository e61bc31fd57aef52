//! A mixed load on a running server for a fixed time: tiles of every layer across
//! z6–z14, indicators, commune profiles and search, OGC pages, exports, and citizens'
//! contributions at a realistic share. Prints, per route, the requests, their statuses
//! and latency percentiles, and the server's resident memory (sampled every 100 ms).
//!
//! `OBSERVATORY_URL=http://127.0.0.1:8080 CONNECTIONS=16 LOAD_SECONDS=60 SERVER_PID=1234 \
//!  cargo bench -p observatory-tests --bench load` (benches/load.sh does it all).
//!
//! With `ALLOW_UNAVAILABLE=1` (the database is stopped and started during the run), 503
//! answers are expected: each second's 503s are printed, to show when they stop.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use tokio::sync::Mutex;

/// The region's extent (west, south, east, north), where tiles are asked for.
const EXTENT: (f64, f64, f64, f64) = (2.05, 50.0, 3.45, 51.35);

/// What each route counted.
#[derive(Default)]
struct Route {
    statuses: BTreeMap<u16, u64>,
    errors: u64,
    latency_us: Option<Histogram<u64>>,
}

type Tally = Arc<Mutex<BTreeMap<&'static str, Route>>>;

/// The 503 answers of each second of the run.
type Timeline = Arc<Mutex<BTreeMap<u64, u64>>>;

fn tile(rng: &mut StdRng) -> (u8, u32, u32) {
    let z: u8 = rng.gen_range(6..=14);
    let lon = rng.gen_range(EXTENT.0..EXTENT.2);
    let lat: f64 = rng.gen_range(EXTENT.1..EXTENT.3);
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let r = lat.to_radians();
    let y =
        ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
    (z, x, y)
}

/// One request of the mix: its route's name, method and path, and a body for posts.
fn pick(
    rng: &mut StdRng,
    communes: &[String],
    versions: &BTreeMap<String, String>,
) -> (&'static str, String, Option<serde_json::Value>) {
    let commune = &communes[rng.gen_range(0..communes.len())];
    let roll: u32 = rng.gen_range(0..1000);
    match roll {
        0..=499 => {
            let layer = ["communes", "services", "borders"][rng.gen_range(0..3)];
            let (z, x, y) = tile(rng);
            let v = versions.get(layer).map(String::as_str).unwrap_or("0");
            let name = match layer {
                "communes" => "tile communes",
                "services" => "tile services",
                _ => "tile borders",
            };
            (name, format!("/tiles/{layer}/{z}/{x}/{y}.mvt?v={v}"), None)
        }
        500..=599 => {
            let category =
                ["pharmacy", "post_office", "hospital", "rail_station"][rng.gen_range(0..4)];
            (
                "indicator values",
                format!("/api/indicators/nearest_service_m?category={category}"),
                None,
            )
        }
        600..=719 => ("commune profile", format!("/api/communes/{commune}"), None),
        720..=799 => {
            let q = [
                "iep", "duin", "lille", "pop", "hazeb", "kortr", "bailleul", "veurne",
            ][rng.gen_range(0..8)];
            ("commune search", format!("/api/communes?q={q}"), None)
        }
        800..=889 => {
            let offset = rng.gen_range(0..1900);
            (
                "ogc services page",
                format!("/ogc/collections/services/items?limit=100&offset={offset}"),
                None,
            )
        }
        890..=929 => (
            "ogc communes page",
            format!(
                "/ogc/collections/communes/items?limit=50&offset={}",
                rng.gen_range(0..700)
            ),
            None,
        ),
        930..=969 => (
            "export services csv",
            format!("/exports/services.csv?commune={commune}"),
            None,
        ),
        970..=979 => (
            "export communes geojson",
            "/exports/communes.geojson?bbox=2.8,50.8,3.0,51.0".to_owned(),
            None,
        ),
        980..=989 => (
            "reports nearby",
            "/api/reports/nearby?longitude=2.885&latitude=50.851&category=pharmacy".to_owned(),
            None,
        ),
        _ => (
            "post idea",
            "/api/ideas".to_owned(),
            Some(
                json!({"commune": commune, "theme": "other", "title": "A bench idea", "body": "Sent under load.", "language": "en"}),
            ),
        ),
    }
}

fn percentile(h: &Histogram<u64>, q: f64) -> String {
    format!("{:.1}", h.value_at_quantile(q) as f64 / 1000.0)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let base =
        std::env::var("OBSERVATORY_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".to_owned());
    let connections: usize = std::env::var("CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let seconds: u64 = std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let pid: Option<u32> = std::env::var("SERVER_PID")
        .ok()
        .and_then(|v| v.parse().ok());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(60))
        .build()?;
    let labels: serde_json::Value = client
        .get(format!("{base}/api/labels"))
        .send()
        .await?
        .json()
        .await?;
    let communes: Vec<String> = labels["features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["id"].as_str().map(str::to_owned))
        .collect();
    anyhow::ensure!(
        !communes.is_empty(),
        "no communes at {base}/api/labels: is the data loaded?"
    );
    let mut versions = BTreeMap::new();
    for layer in ["communes", "services", "borders"] {
        let doc: serde_json::Value = client
            .get(format!("{base}/tiles/{layer}.json"))
            .send()
            .await?
            .json()
            .await?;
        let url = doc["tiles"][0].as_str().unwrap_or_default();
        let v = url
            .split("v=")
            .nth(1)
            .and_then(|v| v.split('&').next())
            .unwrap_or("0");
        versions.insert(layer.to_owned(), v.to_owned());
    }
    let (communes, versions) = (Arc::new(communes), Arc::new(versions));
    let allow_unavailable = std::env::var("ALLOW_UNAVAILABLE").is_ok_and(|v| v == "1");
    let tally: Tally = Arc::new(Mutex::new(BTreeMap::new()));
    let timeline: Timeline = Arc::new(Mutex::new(BTreeMap::new()));
    let began = Instant::now();
    let deadline = began + Duration::from_secs(seconds);

    let peak = Arc::new(std::sync::atomic::AtomicU64::new(
        pid.and_then(rss_kib).unwrap_or(0),
    ));
    let sampler = pid.map(|pid| {
        let peak = peak.clone();
        tokio::spawn(async move {
            while Instant::now() < deadline {
                if let Some(kib) = rss_kib(pid) {
                    peak.fetch_max(kib, std::sync::atomic::Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    });
    let start_rss = pid.and_then(rss_kib);

    let mut workers = Vec::new();
    for worker in 0..connections {
        let (client, base, tally, communes, versions) = (
            client.clone(),
            base.clone(),
            tally.clone(),
            communes.clone(),
            versions.clone(),
        );
        let timeline = timeline.clone();
        workers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(worker as u64);
            while Instant::now() < deadline {
                let (route, path, body) = pick(&mut rng, &communes, &versions);
                let started = Instant::now();
                let request = match &body {
                    Some(body) => client.post(format!("{base}{path}")).json(body),
                    None => client.get(format!("{base}{path}")),
                };
                let outcome = match request.send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        // The whole body, as a client reads it.
                        match response.bytes().await {
                            Ok(_) => Ok(status),
                            Err(e) => Err(e),
                        }
                    }
                    Err(e) => Err(e),
                };
                let elapsed = started.elapsed();
                if matches!(outcome, Ok(503)) {
                    *timeline
                        .lock()
                        .await
                        .entry(began.elapsed().as_secs())
                        .or_default() += 1;
                }
                let mut tally = tally.lock().await;
                let entry = tally.entry(route).or_default();
                match outcome {
                    Ok(status) => *entry.statuses.entry(status).or_default() += 1,
                    Err(_) => entry.errors += 1,
                }
                let histogram = entry.latency_us.get_or_insert_with(|| {
                    Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid bounds")
                });
                let _ = histogram.record(elapsed.as_micros().min(120_000_000) as u64);
            }
        }));
    }
    for worker in workers {
        worker.await?;
    }
    if let Some(sampler) = sampler {
        sampler.await?;
    }

    let tally = tally.lock().await;
    let total: u64 = tally
        .values()
        .map(|r| r.statuses.values().sum::<u64>() + r.errors)
        .sum();
    println!(
        "\n{connections} connections, {seconds} s: {total} requests ({:.0}/s)\n",
        total as f64 / seconds as f64
    );
    println!("| route | requests | statuses | errors | p50 ms | p99 ms | max ms |");
    println!("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
    let (mut errors, mut server_errors) = (0, 0);
    for (route, r) in tally.iter() {
        let n: u64 = r.statuses.values().sum::<u64>() + r.errors;
        let statuses: Vec<String> = r.statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        errors += r.errors;
        server_errors += r
            .statuses
            .iter()
            .filter(|(s, _)| **s >= 500)
            .map(|(_, n)| n)
            .sum::<u64>();
        if let Some(h) = &r.latency_us {
            println!(
                "| {route} | {n} | {} | {} | {} | {} | {:.1} |",
                statuses.join(" "),
                r.errors,
                percentile(h, 0.5),
                percentile(h, 0.99),
                h.max() as f64 / 1000.0
            );
        }
    }
    if let (Some(start), Some(_)) = (start_rss, pid) {
        println!(
            "\nserver resident memory: {:.1} MiB at the start, peak {:.1} MiB",
            start as f64 / 1024.0,
            peak.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1024.0
        );
    }
    println!("transport errors: {errors}; 5xx answers: {server_errors}");
    if allow_unavailable {
        let timeline = timeline.lock().await;
        let seconds: Vec<String> = timeline
            .iter()
            .map(|(s, n)| format!("{s} s: {n}"))
            .collect();
        println!("503 answers per second of the run: {}", seconds.join(", "));
        let other_5xx: u64 = tally
            .values()
            .flat_map(|r| r.statuses.iter())
            .filter(|(s, _)| **s >= 500 && **s != 503)
            .map(|(_, n)| n)
            .sum();
        anyhow::ensure!(
            errors == 0 && other_5xx == 0,
            "the load met errors or 5xx answers other than 503"
        );
    } else {
        anyhow::ensure!(
            errors == 0 && server_errors == 0,
            "the load met errors or 5xx answers"
        );
    }
    Ok(())
}
