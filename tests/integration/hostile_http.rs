//! Hostile HTTP: every query and path parameter of every route that `/api/openapi.json`
//! documents, and every field of its JSON bodies, sent malformed values through real
//! HTTP; the tiles' parameters too. None may give a 5xx, every refusal is JSON, and no
//! answer shows SQL, a file path or the server's type names. Then the limits: security
//! headers, header and body sizes, and clients that trickle their headers.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use observatory_server::{RateLimit, Settings};
use observatory_tests::{ingest_westhoek, test_settings, TestApp, TestDb};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What no answer may contain unless the request itself did.
const INTERNAL: [&str; 14] = [
    "sqlx",
    "SELECT",
    "/work",
    "/home",
    "/root",
    "observatory_",
    ".rs:",
    "src/",
    "panicked",
    "PgDatabaseError",
    "postgres",
    "syntax error",
    "expected struct",
    "stack backtrace",
];

/// A hostile value: its name for the table, and the query-string text as sent (already
/// percent-encoded where it must be).
fn hostile_values() -> Vec<(&'static str, String)> {
    let enc = |s: &str| encode(s);
    vec![
        ("empty", String::new()),
        ("8 KB", "a".repeat(8 * 1024)),
        ("100 KB", "a".repeat(100 * 1024)),
        ("NUL byte (%00)", "%00".to_owned()),
        ("text %00", enc("%00")),
        ("NUL inside", enc("ab\0cd")),
        ("invalid UTF-8 (%FF%FE)", "%FF%FE".to_owned()),
        ("unicode", enc("Ieper\u{202e}ü🏳️‍🌈\u{FEFF}")),
        ("SQL", enc("'; DROP TABLE commune; --")),
        ("path traversal", enc("../../etc/passwd")),
        ("huge number", "99999999999999999999999999999999".to_owned()),
        (
            "huge negative",
            "-99999999999999999999999999999999".to_owned(),
        ),
        ("1e309", "1e309".to_owned()),
        ("NaN", "NaN".to_owned()),
        ("inf", "inf".to_owned()),
        ("negative zero", "-0".to_owned()),
        ("bbox of NaN", enc("NaN,NaN,NaN,NaN")),
        ("bbox of -0", enc("-0,-0,-0,-0")),
        ("markup", enc("<script>alert(1)</script>")),
        ("format string", enc("%s%n{0}{}")),
    ]
}

fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A valid value of a path parameter, so that only the fuzzed one is wrong.
fn example(path: &str, parameter: &str) -> &'static str {
    match parameter {
        "collection" => "communes",
        "fid" => "BE-33011",
        "token" => "abcdef",
        "id" if path.starts_with("/api/communes/") => "BE-33011",
        "id" if path.starts_with("/api/indicators/") => "population_change_pct",
        "id" => "1",
        _ => "x",
    }
}

/// One answer, as the table reports it.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: String,
}

fn check(
    request: &str,
    sent: &str,
    parameter: &str,
    body_field: bool,
    answer: &Answer,
    failures: &mut Vec<String>,
) {
    let mut fail = |why: &str| {
        failures.push(format!(
            "{request}: {why}: {} {}",
            answer.status,
            short(&answer.body)
        ))
    };
    if answer.status >= 500 {
        fail("a 5xx");
        return;
    }
    for marker in INTERNAL {
        let lower = marker.to_ascii_lowercase();
        if answer.body.to_ascii_lowercase().contains(&lower)
            && !sent.to_ascii_lowercase().contains(&lower)
        {
            fail(&format!("internal detail {marker:?}"));
        }
    }
    if answer.status < 400 {
        return;
    }
    // hyper itself refuses what is too long to read, before any route: no body.
    if matches!(answer.status, 414 | 431) {
        return;
    }
    let Ok(body) = serde_json::from_str::<Value>(&answer.body) else {
        fail("not JSON");
        return;
    };
    let Some(error) = body["error"].as_str() else {
        fail("no error message");
        return;
    };
    if matches!(answer.status, 400 | 422) {
        // A body's refusal names a field, the one fuzzed or another the base body
        // (plausible, not always valid) got wrong.
        let field_named = answer.status == 422
            && body["field"]
                .as_str()
                .is_some_and(|f| !f.is_empty() && f != "request");
        let named = error.contains(parameter)
            || body_field && field_named
            || body["field"]
                .as_str()
                .is_some_and(|f| f.contains(parameter))
            || error.contains("path")
            || error.contains("query string")
            || error.contains("body");
        if !named {
            fail(&format!("does not name {parameter}"));
        }
    }
}

fn short(text: &str) -> String {
    let text: String = text.chars().take(160).collect();
    text.replace('\n', " ")
}

async fn send(
    app: &TestApp,
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> anyhow::Result<Answer> {
    let method = reqwest::Method::from_bytes(method.as_bytes())?;
    let mut request = app.client.request(method, url);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let body = response.text().await?;
    Ok(Answer { status, body })
}

/// Resolves a `$ref` of the document.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(r) => r
            .strip_prefix("#/")
            .map(|p| p.split('/').fold(doc, |v, k| &v[k]))
            .unwrap_or(value),
        None => value,
    }
}

/// A plausible value of a schema, so that a body is valid but for the field fuzzed.
fn plausible(doc: &Value, name: &str, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(one) = schema["oneOf"].as_array().and_then(|o| o.first()) {
        return plausible(doc, name, one);
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .cloned()
            .unwrap_or(Value::Null),
        other => other.clone(),
    };
    match (kind.as_str(), name) {
        (Some("number"), "longitude") => json!(2.885),
        (Some("number"), "latitude") => json!(50.851),
        (Some("number"), _) => json!(1.0),
        (Some("integer"), "year") => json!(1990),
        (Some("integer"), _) => json!(1),
        (Some("boolean"), _) => json!(false),
        (Some("array"), _) => json!([]),
        (Some("object"), _) => json!({}),
        (Some("string"), "contact_email") => json!("anne@example.org"),
        (Some("string"), "website") => json!(""),
        (Some("string"), "commune") => json!("BE-33011"),
        (Some("string"), "category") => json!("pharmacy"),
        (Some("string"), "theme") => json!("mobility"),
        (Some("string"), "language") => json!("nl"),
        (Some("string"), _) => json!("Bakker"),
        _ => Value::Null,
    }
}

/// The JSON bodies' hostile values.
fn hostile_json() -> Vec<(&'static str, Value)> {
    let mut deep = json!(1);
    for _ in 0..200 {
        deep = json!([deep]);
    }
    vec![
        ("null", Value::Null),
        ("true", json!(true)),
        ("negative zero", json!(-0.0)),
        ("1e308", json!(1e308)),
        ("-1", json!(-1)),
        (
            "2^64",
            serde_json::from_str("18446744073709551616").unwrap_or(Value::Null),
        ),
        ("empty string", json!("")),
        ("NUL", json!("a\u{0}b")),
        ("control characters", json!("\u{1b}[2J\u{7}")),
        ("SQL", json!("'; DROP TABLE idea; --")),
        ("path traversal", json!("../../etc/passwd")),
        ("unicode", json!("Ieper\u{202e}ü🏳️‍🌈\u{FEFF}")),
        ("40 KB string", json!("x".repeat(40 * 1024))),
        ("array", json!([1, 2])),
        ("object", json!({"a": 1})),
        ("200 nested arrays", deep),
    ]
}

#[tokio::test]
async fn every_documented_parameter_and_field_refuses_hostile_values() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let mut settings: Settings = test_settings();
    let many = RateLimit {
        requests: 1_000_000,
        window: Duration::from_secs(3600),
    };
    settings.limits.contributions = many;
    settings.limits.supports = many;
    settings.limits.logins = many;
    let app = TestApp::spawn_with(db.pool.clone(), 16, settings).await?;
    let doc: Value = app.get("/api/openapi.json").await?.json().await?;
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    assert!(paths.len() > 30, "the document lists the routes");

    let mut failures = Vec::new();
    // (route, parameter) → hostile case → statuses seen
    let mut table: BTreeMap<String, BTreeMap<u16, usize>> = BTreeMap::new();
    let mut tried = 0usize;
    // (method, path, its parameters as (name, location), its JSON body's schema)
    type Operation = (String, String, Vec<(String, String)>, Option<Value>);
    let mut operations: Vec<Operation> = Vec::new();
    for (path, item) in &paths {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let parameters: Vec<(String, String)> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| resolve(&doc, p))
                .filter_map(|p| {
                    Some((p["name"].as_str()?.to_owned(), p["in"].as_str()?.to_owned()))
                })
                .collect();
            let body = operation["requestBody"]["content"]["application/json"]["schema"].clone();
            let body = (!body.is_null()).then(|| resolve(&doc, &body).clone());
            operations.push((path.clone(), method.to_uppercase(), parameters, body));
        }
    }
    // The tiles are not in the document: their parameters, by hand.
    operations.push((
        "/tiles/{layer}/{z}/{x}/{y}.mvt".to_owned(),
        "GET".to_owned(),
        ["layer", "z", "x", "y"]
            .map(|p| (p.to_owned(), "path".to_owned()))
            .into_iter()
            .chain(["v", "date"].map(|p| (p.to_owned(), "query".to_owned())))
            .collect(),
        None,
    ));
    operations.push((
        "/tiles/{layer}.json".to_owned(),
        "GET".to_owned(),
        vec![
            ("layer".to_owned(), "path".to_owned()),
            ("date".to_owned(), "query".to_owned()),
        ],
        None,
    ));

    let fill = |path: &str, fuzzed: Option<(&str, &str)>| {
        let mut out = path.to_owned();
        for name in ["layer", "z", "x", "y"] {
            let value = match fuzzed {
                Some((p, v)) if p == name => v.to_owned(),
                _ => match name {
                    "layer" => "services".to_owned(),
                    "z" => "9".to_owned(),
                    "x" => "260".to_owned(),
                    _ => "170".to_owned(),
                },
            };
            out = out.replace(&format!("{{{name}}}"), &value);
        }
        while let Some(start) = out.find('{') {
            let Some(end) = out[start..].find('}').map(|e| start + e) else {
                break;
            };
            let name = out[start + 1..end].to_owned();
            let value = match fuzzed {
                Some((p, v)) if p == name => v.to_owned(),
                _ => example(path, &name).to_owned(),
            };
            out.replace_range(start..=end, &value);
        }
        out
    };

    for (path, method, parameters, body) in &operations {
        for (name, place) in parameters {
            for (case, value) in hostile_values() {
                let url = match place.as_str() {
                    "path" if value.is_empty() => continue,
                    "path" => format!("{}{}", app.base, fill(path, Some((name, &value)))),
                    // The search needs a q to read its limit.
                    _ if path == "/api/communes" && name != "q" => {
                        format!("{}{path}?q=ieper&{name}={value}", app.base)
                    }
                    _ => format!("{}{}?{name}={value}", app.base, fill(path, None)),
                };
                let request = format!("{method} {path} {name}={case}");
                let answer = if url.len() > 60_000 {
                    // Longer than reqwest sends: written by hand.
                    let target = url.trim_start_matches(&app.base);
                    let (status, text) = raw(
                        &app,
                        format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
                    )
                    .await?;
                    Answer {
                        status: status.unwrap_or(0),
                        body: text
                            .split_once("\r\n\r\n")
                            .map(|(_, b)| b.to_owned())
                            .unwrap_or_default(),
                    }
                } else {
                    send(&app, method, &url, None).await?
                };
                if answer.status == 0 {
                    failures.push(format!("{request}: closed without an answer"));
                }
                tried += 1;
                check(&request, &value, name, false, &answer, &mut failures);
                *table
                    .entry(format!("{place} parameter: {case}"))
                    .or_default()
                    .entry(answer.status)
                    .or_default() += 1;
            }
            // The parameter twice.
            if place == "query" {
                let url = format!("{}{}?{name}=1&{name}=2", app.base, fill(path, None));
                let answer = send(&app, method, &url, None).await?;
                tried += 1;
                check(
                    &format!("{method} {path} {name} twice"),
                    "",
                    name,
                    false,
                    &answer,
                    &mut failures,
                );
                *table
                    .entry("query parameter: given twice".to_owned())
                    .or_default()
                    .entry(answer.status)
                    .or_default() += 1;
            }
        }
        let Some(schema) = body else { continue };
        let properties = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let base: serde_json::Map<String, Value> = properties
            .iter()
            .map(|(k, s)| (k.clone(), plausible(&doc, k, s)))
            .collect();
        let url = format!("{}{}", app.base, fill(path, None));
        for field in properties.keys() {
            for (case, value) in hostile_json() {
                let mut object = base.clone();
                object.insert(field.clone(), value.clone());
                let answer = send(&app, method, &url, Some(&Value::Object(object))).await?;
                tried += 1;
                check(
                    &format!("{method} {path} body {field}={case}"),
                    &value.to_string(),
                    field,
                    true,
                    &answer,
                    &mut failures,
                );
                *table
                    .entry(format!("JSON field: {case}"))
                    .or_default()
                    .entry(answer.status)
                    .or_default() += 1;
            }
        }
        // Whole bodies that are not the object asked for.
        for (case, raw) in [
            ("not JSON", "{\"title\": "),
            ("JSON array", "[]"),
            ("JSON string", "\"x\""),
            ("JSON null", "null"),
            ("empty", ""),
        ] {
            let response = app
                .client
                .request(reqwest::Method::from_bytes(method.as_bytes())?, &url)
                .header("content-type", "application/json")
                .body(raw)
                .send()
                .await?;
            let answer = Answer {
                status: response.status().as_u16(),
                body: response.text().await?,
            };
            tried += 1;
            check(
                &format!("{method} {path} body {case}"),
                raw,
                "body",
                true,
                &answer,
                &mut failures,
            );
            *table
                .entry(format!("whole body: {case}"))
                .or_default()
                .entry(answer.status)
                .or_default() += 1;
        }
    }

    println!("{tried} hostile requests");
    for (case, statuses) in &table {
        println!("{case:40} {statuses:?}");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The server still answers.
    assert_eq!(app.get("/health").await?.status(), 200);
    db.drop_database().await
}

/// Sends raw bytes on a connection of its own; the status line's code, or `None` when
/// the server closes without one.
async fn raw(app: &TestApp, bytes: &[u8]) -> anyhow::Result<(Option<u16>, String)> {
    let address = app.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await?;
    // The server may answer and close before reading everything: that is fine.
    let _ = stream.write_all(bytes).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok());
    Ok((status, text))
}

#[tokio::test]
async fn limits_refuse_oversized_and_malformed_requests() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let app = TestApp::spawn(db.pool.clone()).await?;

    // A 100 KiB header: refused by the connection (431), the server unharmed.
    let big = "a".repeat(100 * 1024);
    let response = app
        .client
        .get(format!("{}/health", app.base))
        .header("x-big", &big)
        .send()
        .await;
    match response {
        Ok(r) => assert_eq!(r.status(), 431),
        Err(e) => panic!("a 100 KiB header: {e}"),
    }
    // 200 small headers: more than the 100 taken.
    let mut many = String::from("GET /health HTTP/1.1\r\nHost: x\r\n");
    for i in 0..200 {
        many.push_str(&format!("x-h{i}: 1\r\n"));
    }
    many.push_str("\r\n");
    let (status, _) = raw(&app, many.as_bytes()).await?;
    assert_eq!(status, Some(431), "200 headers");
    // A NUL byte in the request line, and a request line that is not HTTP.
    let (status, _) = raw(
        &app,
        b"GET /api/communes?q=a\0b HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await?;
    assert_eq!(status, Some(400), "a raw NUL in the request line");
    let (status, _) = raw(
        &app,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n",
    )
    .await?;
    assert!(status.is_none_or(|s| s == 400), "a TLS hello: {status:?}");

    // A body on a route that takes none: 413, in JSON.
    let response = app
        .client
        .post(format!("{}/api/indicators", app.base))
        .body(vec![b'x'; 1024 * 1024])
        .send()
        .await?;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await?;
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("no body")),
        "{body}"
    );
    let response = app
        .client
        .get(format!("{}/ogc/collections", app.base))
        .body(vec![b'x'; 64 * 1024])
        .send()
        .await?;
    assert_eq!(response.status(), 413);
    // A JSON body over a participation route's 64 KiB.
    let response = app
        .client
        .post(format!("{}/api/ideas", app.base))
        .header("content-type", "application/json")
        .body(format!("{{\"title\":\"{}\"}}", "x".repeat(100 * 1024)))
        .send()
        .await?;
    assert_eq!(response.status(), 413);
    assert!(response.json::<Value>().await?["error"].is_string());

    assert_eq!(app.get("/health").await?.status(), 200);
    db.drop_database().await
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    for path in [
        "/",
        "/index.html",
        "/js/main.js",
        "/vendor/maplibre-gl/maplibre-gl.js",
        "/api/indicators",
        "/api/openapi.json",
        "/api/communes?q=",
        "/ogc",
        "/tiles/nothing.json",
        "/no/such/file",
        "/api/moderation/queue",
    ] {
        let response = app.get(path).await?;
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-"), "{path}: {csp}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    }
    db.drop_database().await
}

#[tokio::test]
async fn clients_trickling_their_headers_cannot_hold_the_server() -> anyhow::Result<()> {
    const SLOW: usize = 200;
    let db = TestDb::new().await?;
    let mut settings = test_settings();
    settings.http.header_read_timeout = Duration::from_secs(3);
    let app = TestApp::spawn_with(db.pool.clone(), 0, settings).await?;
    let address = app.base.trim_start_matches("http://").to_owned();

    // Each slow client sends one byte of its request a second, never finishing it.
    let request = b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let started = Instant::now();
    let mut slow = Vec::with_capacity(SLOW);
    for _ in 0..SLOW {
        let address = address.clone();
        slow.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(&address).await?;
            let opened = Instant::now();
            for byte in request {
                if stream.write_all(&[*byte]).await.is_err() {
                    break;
                }
                // Closed by the server? A read returns at once then.
                let mut buffer = [0u8; 256];
                match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buffer)).await {
                    Ok(Ok(_)) | Ok(Err(_)) => {
                        return Ok::<_, anyhow::Error>(Some(opened.elapsed()))
                    }
                    Err(_) => {}
                }
            }
            Ok(None)
        }));
    }
    // Meanwhile, normal requests are answered at once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let asked = Instant::now();
        let response = reqwest::Client::new()
            .get(format!("{}/api/openapi.json", app.base))
            .send()
            .await?;
        assert_eq!(response.status(), 200);
        let _ = response.bytes().await?;
        slowest = slowest.max(asked.elapsed());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        slowest < Duration::from_secs(1),
        "a normal request took {slowest:?} beside {SLOW} slow clients"
    );

    let mut closed_after = Vec::new();
    for task in slow {
        match task.await?? {
            Some(after) => closed_after.push(after),
            None => panic!("a slow client kept its connection for its whole request"),
        }
    }
    closed_after.sort();
    let first = closed_after[0];
    let last = closed_after[closed_after.len() - 1];
    println!(
        "{SLOW} slow clients: a normal request took at most {slowest:?}; each slow connection closed after {first:?} to {last:?} (header timeout 3 s); {:?} in all",
        started.elapsed()
    );
    assert!(
        first >= Duration::from_millis(2_900),
        "closed before the timeout: {first:?}"
    );
    assert!(last < Duration::from_secs(5), "closed late: {last:?}");
    db.drop_database().await
}
