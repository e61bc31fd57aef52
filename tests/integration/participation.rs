//! Citizen participation through real HTTP: service reports, ideas, support, withdrawal,
//! login and moderation, with good and hostile input. Every refusal is checked to change
//! nothing in the database.

use std::time::Duration;

use observatory_core::accounts::{self, Role, Username};
use observatory_server::{RateLimit, Settings};
use observatory_tests::{ingest_westhoek, test_settings, TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::tiles::{decode, prop, tile_of};

pub(crate) const PASSWORD: &str = "a long enough password";

/// A client with its own cookie jar (a browser of its own).
fn browser() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder().cookie_store(true).build()?)
}

pub(crate) async fn account(pool: &PgPool, name: &str, role: Role) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    accounts::create(&mut conn, &Username::parse(name)?, role, PASSWORD).await?;
    Ok(())
}

/// Logs `name` in with a browser of its own; the browser and the CSRF token.
pub(crate) async fn login(app: &TestApp, name: &str) -> anyhow::Result<(reqwest::Client, String)> {
    let client = browser()?;
    let response = client
        .post(format!("{}/api/session", app.base))
        .json(&json!({"username": name, "password": PASSWORD}))
        .send()
        .await?;
    assert_eq!(response.status(), 200, "login of {name}");
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let body: Value = response.json().await?;
    let csrf = body["csrf_token"].as_str().unwrap_or_default().to_owned();
    assert!(csrf.len() >= 40);
    Ok((client, csrf))
}

async fn post(app: &TestApp, path: &str, body: &Value) -> anyhow::Result<(StatusCode, Value)> {
    let response = app
        .client
        .post(format!("{}{path}", app.base))
        .json(body)
        .send()
        .await?;
    let status = response.status();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

pub(crate) async fn count(pool: &PgPool, table: &str) -> anyhow::Result<i64> {
    // Table names are this file's constants.
    Ok(sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await?)
}

/// Rows of every participation table: what a refused request must leave unchanged.
async fn participation_rows(pool: &PgPool) -> anyhow::Result<Vec<i64>> {
    let mut rows = Vec::new();
    for table in [
        "contribution",
        "service_report",
        "idea",
        "support",
        "audit_log",
        "service",
        "service_provenance",
    ] {
        rows.push(count(pool, table).await?);
    }
    Ok(rows)
}

/// A Belgian pharmacy alone in its commune: (service id, longitude, latitude, commune).
async fn lone_pharmacy(pool: &PgPool) -> anyhow::Result<(i64, f64, f64, String)> {
    Ok(sqlx::query_as(
        "SELECT min(s.id), min(ST_X(s.geom)), min(ST_Y(s.geom)), s.country || '-' || s.commune_code
         FROM service s
         WHERE s.category = 'pharmacy' AND NOT s.closure_candidate AND s.country = 'BE'
         GROUP BY s.country, s.commune_code
         HAVING count(*) = 1
         ORDER BY 4 LIMIT 1",
    )
    .fetch_one(pool)
    .await?)
}

fn report(id: i64, lon: f64, lat: f64) -> Value {
    json!({
        "action": "closed", "category": "pharmacy", "longitude": lon, "latitude": lat,
        "service_id": id, "observed_on": "2026-11-30", "reason": "Closed since the end of November",
        "language": "fr", "contact_email": "anne@example.org", "website": ""
    })
}

/// The value of an indicator for one commune, from the API.
async fn indicator(app: &TestApp, path: &str, commune: &str) -> anyhow::Result<Value> {
    let body: Value = app.get(path).await?.json().await?;
    Ok(body["values"]
        .as_array()
        .and_then(|values| values.iter().find(|v| v["commune"] == commune))
        .map(|v| v["value"].clone())
        .unwrap_or(Value::Null))
}

/// The services tile at z14 around a point, through the TileJSON's current URL: the
/// `closure_candidate` property of service `id`.
async fn tile_closure(
    app: &TestApp,
    id: i64,
    lon: f64,
    lat: f64,
) -> anyhow::Result<Option<String>> {
    let doc: Value = app.get("/tiles/services.json").await?.json().await?;
    let template = doc["tiles"][0].as_str().unwrap_or_default().to_owned();
    let (x, y) = tile_of(lon, lat, 14);
    let url = template
        .replace("{z}", "14")
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string());
    let response = app.client.get(&url).send().await?;
    assert_eq!(response.status(), 200, "{url}");
    let features = decode(response.bytes().await?.to_vec(), "services")?;
    Ok(features.iter().find(|f| f.id == Some(id as u64)).map(|f| {
        // a boolean property: its value as written by the tile
        prop(f, "closure_candidate").unwrap_or_else(|| {
            format!(
                "{:?}",
                f.properties
                    .as_ref()
                    .and_then(|p| p.get("closure_candidate"))
            )
        })
    }))
}

/// The resident's story end to end: a closed pharmacy reported, a moderator accepts it,
/// and the services tile, the commune's indicators and the export follow at once.
#[tokio::test]
async fn an_accepted_closed_pharmacy_changes_the_tiles_the_indicators_and_the_export(
) -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    account(&db.pool, "anne", Role::Moderator).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let (id, lon, lat, commune) = lone_pharmacy(&db.pool).await?;
    let count_path = "/api/indicators/service_count?category=pharmacy";
    let nearest_path = "/api/indicators/nearest_service_m?category=pharmacy";
    let export_path = format!("/exports/services.csv?category=pharmacy&commune={commune}");
    // The export's closure_candidate column of the pharmacy.
    let exported_closed = |text: &str| {
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .filter_map(Result::ok)
            .find(|r| r.get(0) == Some(id.to_string().as_str()))
            .and_then(|r| r.get(10).map(str::to_owned))
    };
    assert_eq!(indicator(&app, count_path, &commune).await?, json!(1));
    let nearest_before = indicator(&app, nearest_path, &commune).await?;
    let tile_before = tile_closure(&app, id, lon, lat).await?;
    assert!(tile_before.is_some(), "the pharmacy is drawn");
    let export_before = app.get(&export_path).await?.text().await?;
    assert_eq!(
        exported_closed(&export_before).as_deref(),
        Some("false"),
        "{export_before}"
    );

    // The resident asks what is there, then reports it closed.
    let nearby: Value = app
        .get(&format!(
            "/api/reports/nearby?longitude={lon}&latitude={lat}&category=pharmacy"
        ))
        .await?
        .json()
        .await?;
    assert_eq!(nearby[0]["id"], json!(id));
    assert_eq!(nearby[0]["distance_m"], json!(0.0));
    let (status, created) = post(&app, "/api/reports", &report(id, lon, lat)).await?;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "pending");
    let contribution = created["id"].as_i64().unwrap_or_default();
    // Pending: nothing changed yet.
    assert_eq!(indicator(&app, count_path, &commune).await?, json!(1));

    let (moderator, csrf) = login(&app, "anne").await?;
    let queue: Value = moderator
        .get(format!(
            "{}/api/moderation/queue?kind=service_report",
            app.base
        ))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(queue[0]["id"], json!(contribution));
    assert_eq!(queue[0]["contact_email"], "anne@example.org");
    assert_eq!(queue[0]["detail"]["service_id"], json!(id));
    let accepted = moderator
        .post(format!(
            "{}/api/moderation/contributions/{contribution}/accept",
            app.base
        ))
        .header("x-csrf-token", &csrf)
        .send()
        .await?;
    assert_eq!(accepted.status(), 200);
    let accepted: Value = accepted.json().await?;
    assert_eq!(accepted["service_id"], json!(id));
    assert!(accepted["communes_refreshed"].as_u64().unwrap_or(0) >= 1);

    // At once: the commune has no pharmacy left, its nearest one is farther, the tile
    // draws the pharmacy closed and so does the export.
    assert_eq!(indicator(&app, count_path, &commune).await?, json!(0));
    let nearest_after = indicator(&app, nearest_path, &commune).await?;
    assert!(
        nearest_after.as_f64() > nearest_before.as_f64(),
        "{nearest_before} -> {nearest_after}"
    );
    assert_ne!(tile_closure(&app, id, lon, lat).await?, tile_before);
    let closed = tile_closure(&app, id, lon, lat).await?.unwrap_or_default();
    assert!(closed.contains("true"), "{closed}");
    let export_after = app.get(&export_path).await?.text().await?;
    assert_eq!(
        exported_closed(&export_after).as_deref(),
        Some("true"),
        "{export_after}"
    );
    let sources: Vec<String> = sqlx::query_scalar(
        "SELECT record_id FROM service_provenance WHERE service_id = $1 AND source_id = 'citizen'",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(sources, vec![format!("contribution/{contribution}")]);

    // The decision is public, and in the audit log with its before and after.
    let decided: Value = app.get("/api/reports").await?.json().await?;
    assert_eq!(decided[0]["status"], "accepted");
    assert!(decided[0].get("contact_email").is_none());
    let audit: Value = moderator
        .get(format!("{}/api/moderation/audit", app.base))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(audit[0]["action"], "accept");
    assert_eq!(audit[0]["account"], "anne");
    assert_eq!(audit[0]["before"]["status"], "pending");
    assert_eq!(audit[0]["after"]["status"], "accepted");
    assert_eq!(audit[0]["after"]["applied_service"], json!(id));

    // Deciding twice is a conflict and changes nothing.
    let again = moderator
        .post(format!(
            "{}/api/moderation/contributions/{contribution}/accept",
            app.base
        ))
        .header("x-csrf-token", &csrf)
        .send()
        .await?;
    assert_eq!(again.status(), 409);
    db.drop_database().await
}

/// Every hostile or broken report is refused with the field named, and nothing is
/// written.
#[tokio::test]
async fn bad_reports_are_refused_naming_the_field_and_change_nothing() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let (id, lon, lat, _) = lone_pharmacy(&db.pool).await?;
    let before = participation_rows(&db.pool).await?;
    let good = report(id, lon, lat);
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    let without = |key: &str| {
        let mut body = good.clone();
        body.as_object_mut().map(|o| o.remove(key));
        body
    };
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("no action", without("action"), 422, "action"),
        ("no category", without("category"), 422, "category"),
        ("no date", without("observed_on"), 422, "observed_on"),
        (
            "unknown action",
            with("action", json!("demolished")),
            422,
            "action",
        ),
        (
            "unknown category",
            with("category", json!("casino")),
            422,
            "category",
        ),
        (
            "malformed category",
            with("category", json!("Pharmacy; DROP TABLE service")),
            422,
            "category",
        ),
        (
            "text longitude",
            with("longitude", json!("3.2")),
            422,
            "longitude",
        ),
        (
            "longitude out of range",
            with("longitude", json!(500.0)),
            422,
            "longitude",
        ),
        (
            "outside the study area",
            with("longitude", json!(5.5)),
            422,
            "longitude",
        ),
        (
            "in the sea",
            with("longitude", json!(2.3))
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o.insert("latitude".into(), json!(51.3));
                    Value::Object(o)
                })
                .unwrap_or_default(),
            422,
            "longitude",
        ),
        (
            "future date",
            with("observed_on", json!("2999-01-01")),
            422,
            "observed_on",
        ),
        (
            "malformed date",
            with("observed_on", json!("30/11/2026")),
            422,
            "observed_on",
        ),
        (
            "closed without a service",
            without("service_id"),
            422,
            "service_id",
        ),
        (
            "unknown service",
            with("service_id", json!(987654321)),
            422,
            "service_id",
        ),
        (
            "opened naming a known service",
            with("action", json!("opened")),
            422,
            "service_id",
        ),
        (
            "oversize reason",
            with("reason", json!("x".repeat(501))),
            422,
            "reason",
        ),
        (
            "control characters",
            with("name", json!("Apotheek\u{1b}[2J")),
            422,
            "name",
        ),
        (
            "multi-line name",
            with("name", json!("Apotheek\nCentrum")),
            422,
            "name",
        ),
        (
            "bad e-mail",
            with("contact_email", json!("anne at example")),
            422,
            "contact_email",
        ),
        (
            "honeypot filled",
            with("website", json!("http://spam.example")),
            422,
            "website",
        ),
        (
            "unknown language",
            with("language", json!("de")),
            422,
            "language",
        ),
    ];
    for (what, body, status, field) in cases {
        let (got, answer) = post(&app, "/api/reports", &body).await?;
        assert_eq!(got.as_u16(), status, "{what}: {answer}");
        assert_eq!(answer["field"], field, "{what}: {answer}");
        assert!(
            !answer["error"].as_str().unwrap_or_default().is_empty(),
            "{what}"
        );
    }

    // Not JSON, the wrong type, and a body over the limit.
    let url = format!("{}/api/reports", app.base);
    let broken = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"action\": ")
        .send()
        .await?;
    assert_eq!(broken.status(), 400);
    let form = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("action=closed")
        .send()
        .await?;
    assert_eq!(form.status(), 400);
    let huge = with("reason", json!("x".repeat(70 * 1024)));
    let (status, _) = post(&app, "/api/reports", &huge).await?;
    assert_eq!(status, 413);
    // Sent from another site.
    let foreign = app
        .client
        .post(&url)
        .header("origin", "https://evil.example")
        .json(&good)
        .send()
        .await?;
    assert_eq!(foreign.status(), 403);
    let cross = app
        .client
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .json(&good)
        .send()
        .await?;
    assert_eq!(cross.status(), 403);

    assert_eq!(
        participation_rows(&db.pool).await?,
        before,
        "a refused report wrote something"
    );
    db.drop_database().await
}

/// Markup and SQL-looking text are text: stored and answered exactly as written, as
/// JSON, and the tables are intact.
#[tokio::test]
async fn markup_and_sql_in_texts_are_stored_as_written() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    account(&db.pool, "anne", Role::Moderator).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let title = "<img src=x onerror=alert(1)><script>alert(2)</script>";
    let body = "'; DROP TABLE idea; -- \" OR 1=1 --\n<b>bold</b>";
    let (status, created) = post(
        &app,
        "/api/ideas",
        &json!({"commune": "BE-33011", "theme": "mobility", "title": title, "body": body, "language": "nl"}),
    )
    .await?;
    assert_eq!(status, 201, "{created}");
    let (moderator, csrf) = login(&app, "anne").await?;
    let id = created["id"].as_i64().unwrap_or_default();
    let accepted = moderator
        .post(format!(
            "{}/api/moderation/contributions/{id}/accept",
            app.base
        ))
        .header("x-csrf-token", &csrf)
        .send()
        .await?;
    assert_eq!(accepted.status(), 200);
    let response = app.get("/api/ideas?commune=BE-33011").await?;
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let ideas: Value = response.json().await?;
    assert_eq!(ideas[0]["title"], title);
    assert_eq!(ideas[0]["body"], body);
    assert_eq!(ideas[0]["commune_name"], "Ieper");
    assert!(ideas[0].get("contact_email").is_none());
    assert_eq!(count(&db.pool, "idea").await?, 1);
    db.drop_database().await
}

#[tokio::test]
async fn bad_ideas_are_refused_naming_the_field() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let good = json!({"commune": "BE-33011", "theme": "mobility", "title": "A bus to Poperinge", "body": "Every hour.", "language": "en"});
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    let cases = [
        (with("commune", json!("BE-99999")), 422, "commune"),
        (with("commune", json!("33011")), 422, "commune"),
        (with("theme", json!("weather")), 422, "theme"),
        (with("title", json!("")), 422, "title"),
        (with("title", json!("   ")), 422, "title"),
        (with("title", json!("t".repeat(121))), 422, "title"),
        (with("body", json!("b".repeat(2001))), 422, "body"),
        (with("body", json!(["not", "text"])), 422, "body"),
        (with("language", json!(null)), 422, "language"),
    ];
    for (body, status, field) in cases {
        let (got, answer) = post(&app, "/api/ideas", &body).await?;
        assert_eq!(got.as_u16(), status, "{body}: {answer}");
        assert_eq!(answer["field"], field, "{body}: {answer}");
    }
    assert_eq!(count(&db.pool, "contribution").await?, 0);
    // Pending ideas are not public, and cannot be supported.
    let (status, _) = post(&app, "/api/ideas", &good).await?;
    assert_eq!(status, 201);
    let ideas: Value = app.get("/api/ideas").await?.json().await?;
    assert_eq!(ideas, json!([]));
    let (status, _) = post(&app, "/api/ideas/1/support", &Value::Null).await?;
    assert_eq!(status, 404);
    db.drop_database().await
}

/// Login: wrong passwords, unknown names, no session, a wrong CSRF token, a partner at
/// the moderators' queue, logout, and the limit on attempts.
#[tokio::test]
async fn sessions_and_roles_guard_moderation() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    account(&db.pool, "anne", Role::Moderator).await?;
    account(&db.pool, "piet", Role::Partner).await?;
    let stored: String =
        sqlx::query_scalar("SELECT password_hash FROM account WHERE username = 'anne'")
            .fetch_one(&db.pool)
            .await?;
    assert!(stored.starts_with("$argon2id$") && !stored.contains(PASSWORD));
    let mut settings = test_settings();
    settings.limits.logins = RateLimit {
        requests: 4,
        window: Duration::from_secs(600),
    };
    let app = TestApp::spawn_with(db.pool.clone(), 0, settings).await?;
    let session = |name: &str, password: &str| json!({"username": name, "password": password});
    let (status, answer) =
        post(&app, "/api/session", &session("anne", "a wrong password!!")).await?;
    assert_eq!(status, 401, "{answer}");
    let (status, unknown) = post(&app, "/api/session", &session("nobody", PASSWORD)).await?;
    assert_eq!(status, 401);
    assert_eq!(
        unknown["error"], answer["error"],
        "an unknown name and a wrong password look alike"
    );

    // No session, then a session without or with a forged CSRF token.
    let queue = format!("{}/api/moderation/queue", app.base);
    assert_eq!(app.client.get(&queue).send().await?.status(), 401);
    let forged = app
        .client
        .get(&queue)
        .header("cookie", "observatory_session=forged")
        .send()
        .await?;
    assert_eq!(forged.status(), 401);
    let (moderator, csrf) = login(&app, "anne").await?;
    assert_eq!(moderator.get(&queue).send().await?.status(), 200);
    let accept = format!("{}/api/moderation/contributions/1/accept", app.base);
    assert_eq!(moderator.post(&accept).send().await?.status(), 403);
    assert_eq!(
        moderator
            .post(&accept)
            .header("x-csrf-token", "forged")
            .send()
            .await?
            .status(),
        403
    );
    assert_eq!(
        moderator
            .post(&accept)
            .header("x-csrf-token", &csrf)
            .send()
            .await?
            .status(),
        404
    );

    // A partner may not moderate.
    let (partner, partner_csrf) = login(&app, "piet").await?;
    assert_eq!(partner.get(&queue).send().await?.status(), 403);
    assert_eq!(
        partner
            .post(&accept)
            .header("x-csrf-token", &partner_csrf)
            .send()
            .await?
            .status(),
        403
    );

    // Logout ends the session in the database, not only in the browser.
    let session_url = format!("{}/api/session", app.base);
    assert_eq!(
        moderator
            .delete(&session_url)
            .header("x-csrf-token", &csrf)
            .send()
            .await?
            .status(),
        204
    );
    assert_eq!(moderator.get(&queue).send().await?.status(), 401);

    // Four attempts per window from one address (two failed, two logins): the fifth is
    // 429 with Retry-After, even with the right password.
    let limited = app
        .client
        .post(&session_url)
        .json(&session("anne", PASSWORD))
        .send()
        .await?;
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=600).contains(&retry), "Retry-After {retry}");
    db.drop_database().await
}

/// Contributions per address are limited; a refused one writes nothing.
#[tokio::test]
async fn contributions_are_limited_per_address() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let mut settings: Settings = test_settings();
    settings.limits.contributions = RateLimit {
        requests: 3,
        window: Duration::from_secs(3600),
    };
    let app = TestApp::spawn_with(db.pool.clone(), 0, settings).await?;
    let idea = json!({"commune": "FR-59183", "theme": "shops", "title": "Un marché", "body": "Le samedi.", "language": "fr"});
    for _ in 0..3 {
        assert_eq!(post(&app, "/api/ideas", &idea).await?.0, 201);
    }
    let (status, answer) = post(&app, "/api/ideas", &idea).await?;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(count(&db.pool, "idea").await?, 3);
    db.drop_database().await
}

/// Decisions: a rejection needs a reason and shows it; a merge moves the supports; the
/// audit log has each action.
#[tokio::test]
async fn reject_and_merge_are_public_and_audited() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    account(&db.pool, "anne", Role::Moderator).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let (moderator, csrf) = login(&app, "anne").await?;
    let idea = |title: &str| json!({"commune": "BE-33021", "theme": "mobility", "title": title, "body": "Please.", "language": "nl"});
    let mut ids = Vec::new();
    for title in ["Fietspad naar Ieper", "Fietspad naar Ieper!", "Spam spam"] {
        let (status, created) = post(&app, "/api/ideas", &idea(title)).await?;
        assert_eq!(status, 201);
        ids.push(created["id"].as_i64().unwrap_or_default());
    }
    let decide =
        |id: i64, what: &str| format!("{}/api/moderation/contributions/{id}/{what}", app.base);
    let send = |url: String, body: Value| {
        moderator
            .post(url)
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
    };

    // The original is accepted and supported by two people.
    assert_eq!(
        moderator
            .post(decide(ids[0], "accept"))
            .header("x-csrf-token", &csrf)
            .send()
            .await?
            .status(),
        200
    );
    let support = format!("{}/api/ideas/{}/support", app.base, ids[0]);
    let (first, second) = (browser()?, browser()?);
    let answer: Value = first.post(&support).send().await?.json().await?;
    assert_eq!(answer["supports"], 1);
    assert_eq!(
        first.post(&support).send().await?.status(),
        409,
        "one support per person"
    );
    let answer: Value = second.post(&support).send().await?.json().await?;
    assert_eq!(answer["supports"], 2);

    // Rejecting needs a reason; the reason is public, the text is not.
    assert_eq!(
        send(decide(ids[2], "reject"), json!({"reason": "  "}))
            .await?
            .status(),
        422
    );
    assert_eq!(
        send(decide(ids[2], "reject"), json!({})).await?.status(),
        422
    );
    assert_eq!(
        send(decide(ids[2], "reject"), json!({"reason": "Advertising"}))
            .await?
            .status(),
        200
    );
    // Merging: not into itself, not into a rejected one; then into the original.
    assert_eq!(
        send(decide(ids[1], "merge"), json!({"into": ids[1]}))
            .await?
            .status(),
        422
    );
    assert_eq!(
        send(decide(ids[1], "merge"), json!({"into": ids[2]}))
            .await?
            .status(),
        422
    );
    assert_eq!(
        send(decide(ids[1], "merge"), json!({"into": ids[0]}))
            .await?
            .status(),
        200
    );
    assert_eq!(
        send(decide(ids[1], "accept"), json!({})).await?.status(),
        409
    );

    let ideas: Value = app.get("/api/ideas").await?.json().await?;
    assert_eq!(ideas.as_array().map(Vec::len), Some(1));
    assert_eq!(ideas[0]["supports"], 2);
    let status: Value = app
        .get("/api/moderation/queue?status=rejected")
        .await?
        .json()
        .await?;
    assert!(status.get("error").is_some(), "the queue needs a session");
    let rejected: Value = moderator
        .get(format!(
            "{}/api/moderation/queue?status=rejected&kind=idea&commune=BE-33021",
            app.base
        ))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(rejected[0]["public_reason"], "Advertising");
    let audit: Value = moderator
        .get(format!("{}/api/moderation/audit", app.base))
        .send()
        .await?
        .json()
        .await?;
    let actions: Vec<&str> = audit
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["action"].as_str())
        .collect();
    assert_eq!(actions, vec!["merge", "reject", "accept"]);
    assert_eq!(audit[0]["after"]["merged_into"], json!(ids[0]));
    assert_eq!(audit[1]["after"]["public_reason"], "Advertising");
    db.drop_database().await
}

/// The secret link shows the status and withdraws: the text and the address are gone.
#[tokio::test]
async fn a_contribution_is_withdrawn_through_its_secret_link() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let (status, created) = post(
        &app,
        "/api/ideas",
        &json!({"commune": "FR-59183", "theme": "culture", "title": "Carnaval", "body": "Plus de bals.", "language": "fr", "contact_email": "jean@example.org"}),
    )
    .await?;
    assert_eq!(status, 201);
    let token = created["withdraw_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(created["withdraw_url"], format!("/withdraw.html#{token}"));
    // Only a hash of the secret is stored.
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM contribution WHERE position(convert_to($1, 'UTF8') in withdraw_sha256) > 0")
        .bind(&token)
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(stored, 0);
    let shown: Value = app
        .get(&format!("/api/withdraw/{token}"))
        .await?
        .json()
        .await?;
    assert_eq!(shown["status"], "pending");
    assert_eq!(app.get("/api/withdraw/not-a-secret").await?.status(), 404);
    let withdrawn = app
        .client
        .delete(format!("{}/api/withdraw/{token}", app.base))
        .send()
        .await?;
    assert_eq!(withdrawn.status(), 200);
    let withdrawn: Value = withdrawn.json().await?;
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(count(&db.pool, "idea").await?, 0);
    let contact: Option<String> = sqlx::query_scalar("SELECT contact_email FROM contribution")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(contact, None);
    db.drop_database().await
}

/// Every row of the indicator values, in a stable order, as text.
async fn indicator_rows(pool: &PgPool) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT concat_ws('|', indicator, country, code, category, year, round(value::numeric, 6), sources)
         FROM indicator_commune_value ORDER BY 1",
    )
    .fetch_all(pool)
    .await?)
}

/// Residents' reports are single sightings, not snapshots of the territory: two accepted
/// on different days change no commune's services gained or lost, and the incremental
/// refresh after them leaves exactly what a full recompute gives.
#[tokio::test]
async fn accepted_reports_keep_the_indicators_a_full_recompute_gives() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    account(&db.pool, "anne", Role::Moderator).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let changes = |rows: &[String]| -> Vec<String> {
        rows.iter()
            .filter(|r| r.starts_with("services_gained|") || r.starts_with("services_lost|"))
            .cloned()
            .collect()
    };
    let before = changes(&indicator_rows(&db.pool).await?);
    assert!(!before.is_empty());

    let (id, lon, lat, _) = lone_pharmacy(&db.pool).await?;
    let opened = json!({
        "action": "opened", "category": "pharmacy", "longitude": 2.8853, "latitude": 50.8503,
        "observed_on": "2026-10-01", "name": "Apotheek Nieuw", "language": "nl"
    });
    let (moderator, csrf) = login(&app, "anne").await?;
    for body in [opened, report(id, lon, lat)] {
        let (status, created) = post(&app, "/api/reports", &body).await?;
        assert_eq!(status, 201, "{created}");
        let accepted = moderator
            .post(format!(
                "{}/api/moderation/contributions/{}/accept",
                app.base, created["id"]
            ))
            .header("x-csrf-token", &csrf)
            .send()
            .await?;
        assert_eq!(accepted.status(), 200);
    }
    let incremental = indicator_rows(&db.pool).await?;
    assert_eq!(
        changes(&incremental),
        before,
        "services gained and lost moved"
    );

    let mut tx = db.pool.begin().await?;
    observatory_core::indicators::refresh_all(&mut tx).await?;
    tx.commit().await?;
    let full = indicator_rows(&db.pool).await?;
    assert_eq!(incremental.len(), full.len());
    let differing: Vec<_> = incremental
        .iter()
        .zip(&full)
        .filter(|(a, b)| a != b)
        .take(5)
        .collect();
    assert!(
        differing.is_empty(),
        "incremental and full differ: {differing:?}"
    );
    db.drop_database().await
}

/// Retention: expired sessions and past windows go; contact addresses and rejected texts
/// go 12 months after the decision, and not before.
#[tokio::test]
async fn the_retention_purge_removes_what_is_kept_no_longer() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    account(&db.pool, "anne", Role::Moderator).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let mut ids = Vec::new();
    for title in ["Old", "Recent"] {
        let (status, created) = post(
            &app,
            "/api/ideas",
            &json!({"commune": "BE-33011", "theme": "other", "title": title, "body": "Text.", "language": "en", "contact_email": "a@example.org"}),
        )
        .await?;
        assert_eq!(status, 201);
        ids.push(created["id"].as_i64().unwrap_or_default());
    }
    sqlx::query(
        "UPDATE contribution SET status = 'rejected', public_reason = 'Off topic',
                decided_at = now() - CASE WHEN id = $1 THEN interval '13 months' ELSE interval '11 months' END",
    )
    .bind(ids[0])
    .execute(&db.pool)
    .await?;
    let (_client, _csrf) = login(&app, "anne").await?;
    sqlx::query("UPDATE account_session SET expires_at = now() - interval '1 second'")
        .execute(&db.pool)
        .await?;
    sqlx::query("UPDATE rate_limit_hit SET window_start = window_start - interval '2 days'")
        .execute(&db.pool)
        .await?;
    let purged = observatory_server::participation::retention::purge(&db.pool).await?;
    assert_eq!(purged.sessions, 1);
    assert!(purged.rate_limit_windows >= 1);
    assert_eq!(purged.contact_emails, 1);
    assert_eq!(purged.contents, 1);
    let left: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT c.id, c.contact_email, i.title FROM contribution c LEFT JOIN idea i ON i.contribution_id = c.id ORDER BY c.id",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(
        left,
        vec![
            (ids[0], None, None),
            (
                ids[1],
                Some("a@example.org".to_owned()),
                Some("Recent".to_owned())
            )
        ]
    );
    assert_eq!(
        observatory_server::participation::retention::purge(&db.pool).await?,
        Default::default()
    );
    db.drop_database().await
}

/// The database's own refusals reach the client as the field they concern: a check or a
/// foreign key is a 422, a unique key a 409, a database that does not answer a 503 with
/// Retry-After; never the SQL.
#[tokio::test]
async fn constraint_violations_are_named_by_field_and_an_absent_database_is_503(
) -> anyhow::Result<()> {
    use axum::response::IntoResponse;
    use observatory_server::ApiError;

    async fn answer(error: sqlx::Error) -> anyhow::Result<(u16, Value, Option<String>)> {
        let response = ApiError::from(error).into_response();
        let status = response.status().as_u16();
        let retry = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await?;
        Ok((status, serde_json::from_slice(&bytes)?, retry))
    }

    let db = TestDb::new().await?;
    let contribution: i64 = sqlx::query_scalar(
        "INSERT INTO contribution (kind, language, withdraw_sha256) VALUES ('idea', 'nl', '\\x01') RETURNING id",
    )
    .fetch_one(&db.pool)
    .await?;
    let too_long = sqlx::query(
        "INSERT INTO idea (contribution_id, country, commune_code, theme, title, body)
         VALUES ($1, 'BE', '33011', 'other', repeat('x', 121), 'b')",
    )
    .bind(contribution)
    .execute(&db.pool)
    .await
    .err()
    .ok_or_else(|| anyhow::anyhow!("a 121-character title was stored"))?;
    let (status, body, _) = answer(too_long).await?;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("title")),
        "{body}"
    );

    let unknown_theme = sqlx::query(
        "INSERT INTO idea (contribution_id, country, commune_code, theme, title, body)
         VALUES ($1, 'BE', '33011', 'weather', 't', 'b')",
    )
    .bind(contribution)
    .execute(&db.pool)
    .await
    .err()
    .ok_or_else(|| anyhow::anyhow!("an unknown theme was stored"))?;
    let (status, _, _) = answer(unknown_theme).await?;
    assert_eq!(status, 422);

    let twice = sqlx::query(
        "INSERT INTO contribution (kind, language, withdraw_sha256) VALUES ('idea', 'fr', '\\x01')",
    )
    .execute(&db.pool)
    .await
    .err()
    .ok_or_else(|| anyhow::anyhow!("a withdrawal secret was stored twice"))?;
    let (status, body, _) = answer(twice).await?;
    assert_eq!(
        (status, body["field"].as_str()),
        (409, Some("withdraw")),
        "{body}"
    );
    assert!(!body["error"]
        .as_str()
        .unwrap_or_default()
        .contains("INSERT"));

    let pool = db.pool.clone();
    db.drop_database().await?;
    let gone = sqlx::query("SELECT 1")
        .execute(&pool)
        .await
        .err()
        .ok_or_else(|| anyhow::anyhow!("a closed pool answered"))?;
    let (status, body, retry) = answer(gone).await?;
    assert_eq!((status, retry.as_deref()), (503, Some("5")), "{body}");
    Ok(())
}
