//! Calls for projects and their project ideas, discovery days, then-and-now photos and
//! the needs questionnaire, through real HTTP: partners' sessions, roles and CSRF, the
//! review's steps and its audit, photos stripped of their metadata, and the needs
//! figures hidden until enough residents of a commune have answered. Every refusal names
//! its field and writes nothing.

use std::time::Duration;

use chrono::NaiveDate;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ImageBuffer, ImageEncoder, Luma, Rgb};
use observatory_core::accounts::Role;
use observatory_server::RateLimit;
use observatory_tests::{ingest_westhoek, test_settings, TestApp, TestDb};

use crate::participation::{account, count, login};
use reqwest::multipart::{Form, Part};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

/// Sends a request; its status and JSON body (null when there is none).
async fn send(request: RequestBuilder) -> anyhow::Result<(StatusCode, Value)> {
    let response = request.send().await?;
    let status = response.status();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

async fn post_json(app: &TestApp, path: &str, body: &Value) -> anyhow::Result<(StatusCode, Value)> {
    send(app.client.post(format!("{}{path}", app.base)).json(body)).await
}

async fn get_json(app: &TestApp, path: &str) -> anyhow::Result<(StatusCode, Value)> {
    send(app.client.get(format!("{}{path}", app.base))).await
}

/// A refusal: the status and the field the answer names.
fn refused(answer: &(StatusCode, Value)) -> (u16, String) {
    (
        answer.0.as_u16(),
        answer.1["field"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Rows of the tables these routes write: what a refused request must leave unchanged.
async fn rows(pool: &PgPool) -> anyhow::Result<Vec<i64>> {
    let mut rows = Vec::new();
    for table in [
        "contribution",
        "call_for_projects",
        "project_idea",
        "project_idea_commune",
        "discovery_day",
        "photo",
        "needs_response",
        "needs_use",
        "audit_log",
    ] {
        rows.push(count(pool, table).await?);
    }
    Ok(rows)
}

/// The day it is in the region, as the server counts it.
async fn today(pool: &PgPool) -> anyhow::Result<NaiveDate> {
    Ok(
        sqlx::query_scalar("SELECT (now() AT TIME ZONE 'Europe/Brussels')::date")
            .fetch_one(pool)
            .await?,
    )
}

/// A point inside a commune of the study area.
async fn inside(pool: &PgPool, country: &str, code: &str) -> anyhow::Result<(f64, f64)> {
    Ok(sqlx::query_as(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM commune
         WHERE country = $1 AND code = $2) c",
    )
    .bind(country)
    .bind(code)
    .fetch_one(pool)
    .await?)
}

/// Brussels: outside the study area.
const OUTSIDE: (f64, f64) = (4.3517, 50.8503);

fn call(opens_on: NaiveDate, closes_on: NaiveDate) -> Value {
    json!({
        "title": {"nl": "Dorpswinkels", "fr": "Commerces de village"},
        "description": {"nl": "Ideeën voor de dorpswinkel.\nTwee regels.", "fr": "Des idées pour le commerce du village."},
        "themes": ["shops", "cross_border"],
        "opens_on": opens_on,
        "closes_on": closes_on,
    })
}

fn project_idea(communes: &[&str]) -> Value {
    json!({
        "title": "Een rijdende winkel",
        "description": "Een winkel op wielen die elke week langs de dorpen rijdt.",
        "communes": communes,
        "contact_email": "an@example.org",
        "language": "nl",
        "website": "",
    })
}

/// A JSON body with one field replaced (or removed, with `Value::Null` as `remove`).
fn with(mut body: Value, pointer: &str, value: Option<Value>) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    if let Some(object) = body.pointer_mut(parent).and_then(Value::as_object_mut) {
        match value {
            Some(v) => {
                object.insert(key.to_owned(), v);
            }
            None => {
                object.remove(key);
            }
        }
    }
    body
}

/// Calls for projects from publication to public project ideas: who may publish, what a
/// call takes, when it takes ideas, the review's steps, and the audit of each action.
#[tokio::test]
async fn calls_take_project_ideas_while_open_and_partners_review_them() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    account(&db.pool, "piet", Role::Partner).await?;
    account(&db.pool, "anne", Role::Moderator).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let today = today(&db.pool).await?;
    let day = |offset: i64| today + chrono::Duration::days(offset);
    let calls_url = format!("{}/api/calls", app.base);
    let open_call = call(day(-10), day(10));

    // Without a session, with a forged or missing CSRF token, from another site.
    let before = rows(&db.pool).await?;
    assert_eq!(post_json(&app, "/api/calls", &open_call).await?.0, 401);
    let (partner, csrf) = login(&app, "piet").await?;
    assert_eq!(
        send(partner.post(&calls_url).json(&open_call)).await?.0,
        403
    );
    let forged = partner.post(&calls_url).header("x-csrf-token", "forged");
    assert_eq!(send(forged.json(&open_call)).await?.0, 403);
    let cross_site = partner
        .post(&calls_url)
        .header("x-csrf-token", &csrf)
        .header("origin", "https://elsewhere.example");
    assert_eq!(send(cross_site.json(&open_call)).await?.0, 403);
    // A partner is not a moderator.
    let queue = format!("{}/api/moderation/queue", app.base);
    assert_eq!(send(partner.get(&queue)).await?.0, 403);

    // Bad calls, each refused naming its field.
    let publish = |body: Value| {
        partner
            .post(&calls_url)
            .header("x-csrf-token", &csrf)
            .json(&body)
    };
    let bad = [
        (
            with(open_call.clone(), "/closes_on", Some(json!(day(-11)))),
            "closes_on",
        ),
        (
            with(
                open_call.clone(),
                "/themes",
                Some(json!(["shops", "space_travel"])),
            ),
            "themes",
        ),
        (
            with(open_call.clone(), "/themes", Some(json!([]))),
            "themes",
        ),
        (
            with(
                open_call.clone(),
                "/themes",
                Some(json!(["shops", "shops"])),
            ),
            "themes",
        ),
        (
            with(open_call.clone(), "/title/fr", Some(json!("é".repeat(121)))),
            "title.fr",
        ),
        (
            with(open_call.clone(), "/title/nl", Some(json!("  "))),
            "title.nl",
        ),
        (
            with(open_call.clone(), "/title/nl", Some(json!("two\nlines"))),
            "title.nl",
        ),
        (
            with(
                open_call.clone(),
                "/description/nl",
                Some(json!("x".repeat(2001))),
            ),
            "description.nl",
        ),
        (with(open_call.clone(), "/description", None), "description"),
        (with(open_call.clone(), "/title/fr", None), "title"),
        (
            with(open_call.clone(), "/opens_on", Some(json!("tomorrow"))),
            "opens_on",
        ),
    ];
    for (body, field) in bad {
        let answer = send(publish(body)).await?;
        assert_eq!(refused(&answer), (422, field.to_owned()), "{}", answer.1);
    }
    assert_eq!(rows(&db.pool).await?, before, "refused calls write nothing");

    // Good calls: open today, closed yesterday, opening tomorrow.
    let mut ids = Vec::new();
    for body in [
        open_call.clone(),
        call(day(-30), day(-1)),
        call(day(1), day(30)),
    ] {
        let (status, answer) = send(publish(body)).await?;
        assert_eq!(status, 201, "{answer}");
        ids.push(answer["id"].as_i64().unwrap_or_default());
    }
    let [open, closed, future] = [ids[0], ids[1], ids[2]];
    // A moderator may do what a partner does.
    let (moderator, moderator_csrf) = login(&app, "anne").await?;
    let last_day = call(today, today);
    let by_moderator = moderator
        .post(&calls_url)
        .header("x-csrf-token", &moderator_csrf)
        .json(&last_day);
    let (status, answer) = send(by_moderator).await?;
    assert_eq!(status, 201, "{answer}");
    let last_day_id = answer["id"].as_i64().unwrap_or_default();

    let (status, listed) = get_json(&app, "/api/calls").await?;
    assert_eq!(status, 200);
    let listed = listed.as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 4);
    let open_of = |id: i64| {
        listed
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["open"].clone())
    };
    assert_eq!(open_of(open), Some(json!(true)));
    assert_eq!(open_of(closed), Some(json!(false)));
    assert_eq!(open_of(future), Some(json!(false)));
    assert_eq!(
        open_of(last_day_id),
        Some(json!(true)),
        "both ends are included"
    );
    let first = listed
        .iter()
        .find(|c| c["id"] == open)
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        first["title"],
        json!({"nl": "Dorpswinkels", "fr": "Commerces de village"})
    );
    assert_eq!(first["themes"], json!(["shops", "cross_border"]));
    assert_eq!(first["opens_on"], json!(day(-10)));
    let published: Vec<(String, String)> = sqlx::query_as(
        "SELECT username, subject FROM audit_log WHERE action = 'publish_call' ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(
        published,
        [
            ("piet".to_owned(), format!("call/{open}")),
            ("piet".to_owned(), format!("call/{closed}")),
            ("piet".to_owned(), format!("call/{future}")),
            ("anne".to_owned(), format!("call/{last_day_id}")),
        ]
    );

    // Bad project ideas.
    let ideas_path = format!("/api/calls/{open}/ideas");
    let good = project_idea(&["BE-33011", "FR-59183"]);
    let before = rows(&db.pool).await?;
    let too_many: Vec<String> = (0..21).map(|i| format!("BE-330{i:02}")).collect();
    let bad = [
        (with(good.clone(), "/contact_email", None), "contact_email"),
        (
            with(good.clone(), "/contact_email", Some(json!(""))),
            "contact_email",
        ),
        (
            with(
                good.clone(),
                "/contact_email",
                Some(json!("not an address")),
            ),
            "contact_email",
        ),
        (with(good.clone(), "/communes", Some(json!([]))), "communes"),
        (
            with(good.clone(), "/communes", Some(json!(too_many))),
            "communes",
        ),
        (
            with(
                good.clone(),
                "/communes",
                Some(json!(["BE-33011", "BE-33011"])),
            ),
            "communes",
        ),
        (
            with(
                good.clone(),
                "/communes",
                Some(json!(["BE-33011", "BE-99999"])),
            ),
            "communes",
        ),
        (
            with(good.clone(), "/communes", Some(json!(["Ieper"]))),
            "communes[0]",
        ),
        (
            with(good.clone(), "/title", Some(json!("t".repeat(121)))),
            "title",
        ),
        (with(good.clone(), "/title", None), "title"),
        (
            with(good.clone(), "/description", Some(json!("d".repeat(2001)))),
            "description",
        ),
        (
            with(good.clone(), "/description", Some(json!("a\u{7}b"))),
            "description",
        ),
        (
            with(good.clone(), "/language", Some(json!("de"))),
            "language",
        ),
        (
            with(good.clone(), "/website", Some(json!("http://spam.example"))),
            "website",
        ),
    ];
    for (body, field) in bad {
        let answer = post_json(&app, &ideas_path, &body).await?;
        assert_eq!(refused(&answer), (422, field.to_owned()), "{}", answer.1);
    }
    for (path, status) in [
        (format!("/api/calls/{closed}/ideas"), 409),
        (format!("/api/calls/{future}/ideas"), 409),
        ("/api/calls/999999/ideas".to_owned(), 404),
        ("/api/calls/first/ideas".to_owned(), 400),
    ] {
        let answer = post_json(&app, &path, &good).await?;
        assert_eq!(answer.0, status, "{path}: {}", answer.1);
    }
    assert_eq!(rows(&db.pool).await?, before, "refused ideas write nothing");

    // A good one, with markup stored as written.
    let markup = "<script>alert('x')</script> & \"quotes\"";
    let (status, created) = post_json(
        &app,
        &ideas_path,
        &with(good.clone(), "/title", Some(json!(markup))),
    )
    .await?;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "submitted");
    assert!(created["withdraw_token"]
        .as_str()
        .is_some_and(|t| t.len() >= 40));
    let id = created["id"].as_i64().unwrap_or_default();
    let (status, second) = post_json(&app, &ideas_path, &project_idea(&["FR-59183"])).await?;
    assert_eq!(status, 201, "{second}");
    let second = second["id"].as_i64().unwrap_or_default();
    let communes: Vec<(i32, String)> = sqlx::query_as(
        "SELECT position, country || '-' || commune_code FROM project_idea_commune
         WHERE contribution_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(
        communes,
        [(1, "BE-33011".to_owned()), (2, "FR-59183".to_owned())]
    );

    // Not public before the review; the partners see everything, contact included.
    let (_, public) = get_json(&app, "/api/project-ideas").await?;
    assert_eq!(public, json!([]));
    let review_list = format!("{}/api/moderation/project-ideas?call={open}", app.base);
    assert_eq!(send(app.client.get(&review_list)).await?.0, 401);
    let (status, all) = send(partner.get(&review_list)).await?;
    assert_eq!(status, 200, "{all}");
    let mine = all
        .as_array()
        .and_then(|a| a.iter().find(|p| p["id"] == id))
        .cloned()
        .unwrap_or_default();
    assert_eq!(mine["title"], markup);
    assert_eq!(mine["contact_email"], "an@example.org");
    assert_eq!(mine["review"], "submitted");
    assert_eq!(mine["status"], "pending");
    assert_eq!(mine["communes"][0]["id"], "BE-33011");
    assert!(mine["communes"][0]["name"].as_str().is_some());
    let (_, other_call) = send(partner.get(format!(
        "{}/api/moderation/project-ideas?call={closed}",
        app.base
    )))
    .await?;
    assert_eq!(other_call, json!([]));

    // The review: one step at a time, forward only.
    let status_url = |id: i64| format!("{}/api/moderation/project-ideas/{id}/status", app.base);
    let move_to = |id: i64, status: &str| {
        partner
            .post(status_url(id))
            .header("x-csrf-token", &csrf)
            .json(&json!({ "status": status }))
    };
    assert_eq!(
        send(
            app.client
                .post(status_url(id))
                .json(&json!({"status": "under_review"}))
        )
        .await?
        .0,
        401
    );
    let without_csrf = partner
        .post(status_url(id))
        .json(&json!({"status": "under_review"}));
    assert_eq!(send(without_csrf).await?.0, 403);
    assert_eq!(send(move_to(id, "selected")).await?.0, 409);
    assert_eq!(
        refused(&send(move_to(id, "submitted")).await?),
        (422, "status".to_owned())
    );
    assert_eq!(
        refused(&send(move_to(id, "approved")).await?),
        (422, "status".to_owned())
    );
    assert_eq!(send(move_to(999_999, "under_review")).await?.0, 404);
    let (status, moved) = send(move_to(id, "under_review")).await?;
    assert_eq!(
        (status.as_u16(), moved),
        (200, json!({"id": id, "status": "under_review"}))
    );
    assert_eq!(send(move_to(id, "under_review")).await?.0, 409);
    assert_eq!(send(move_to(id, "selected")).await?.0, 200);
    assert_eq!(
        send(move_to(id, "not_selected")).await?.0,
        409,
        "a decision is final"
    );
    assert_eq!(send(move_to(id, "under_review")).await?.0, 409);
    assert_eq!(send(move_to(second, "under_review")).await?.0, 200);
    // An idea a moderator rejected is no longer reviewed.
    let (_, third) = post_json(&app, &ideas_path, &project_idea(&["BE-33011"])).await?;
    let third = third["id"].as_i64().unwrap_or_default();
    let reject = moderator
        .post(format!(
            "{}/api/moderation/contributions/{third}/reject",
            app.base
        ))
        .header("x-csrf-token", &moderator_csrf)
        .json(&json!({"reason": "Buiten het onderwerp van de oproep"}));
    assert_eq!(send(reject).await?.0, 200);
    assert_eq!(send(move_to(third, "under_review")).await?.0, 409);

    // Public once selected (or not selected), placed inside its first commune.
    let (_, public) = get_json(&app, "/api/project-ideas").await?;
    let public = public.as_array().cloned().unwrap_or_default();
    assert_eq!(public.len(), 1, "under review is not public: {public:?}");
    let shown = &public[0];
    assert_eq!(shown["id"], id);
    assert_eq!(shown["call_id"], open);
    assert_eq!(shown["status"], "selected");
    assert_eq!(shown["title"], markup);
    assert_eq!(shown["supports"], 0);
    assert!(
        shown.get("contact_email").is_none(),
        "the contact is private"
    );
    assert_eq!(shown["communes"][0]["id"], "BE-33011");
    assert_eq!(shown["communes"][1]["id"], "FR-59183");
    let in_first: bool = sqlx::query_scalar(
        "SELECT ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) FROM commune
         WHERE country = 'BE' AND code = '33011'",
    )
    .bind(shown["longitude"].as_f64())
    .bind(shown["latitude"].as_f64())
    .fetch_one(&db.pool)
    .await?;
    assert!(in_first);
    let (_, by_call) = get_json(&app, &format!("/api/project-ideas?call={closed}")).await?;
    assert_eq!(by_call, json!([]));
    assert_eq!(get_json(&app, "/api/project-ideas?call=x").await?.0, 400);

    // The review is audited, before and after.
    let reviews: Vec<(String, Option<i64>, Value, Value)> = sqlx::query_as(
        "SELECT username, contribution_id, before, after FROM audit_log
         WHERE action = 'review' ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(reviews.len(), 3);
    assert_eq!(
        reviews[0],
        (
            "piet".to_owned(),
            Some(id),
            json!({"review": "submitted", "status": "pending"}),
            json!({"review": "under_review", "status": "pending"})
        )
    );
    assert_eq!(reviews[1].3["review"], "selected");

    // The routes are described in the API document.
    let (_, document) = get_json(&app, "/api/openapi.json").await?;
    let operation_ids: Vec<String> = document["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|operations| operations.values())
        .filter_map(|operation| operation["operationId"].as_str().map(str::to_owned))
        .collect();
    for path in [
        "/api/calls",
        "/api/calls/{id}/ideas",
        "/api/project-ideas",
        "/api/moderation/project-ideas",
        "/api/moderation/project-ideas/{id}/status",
        "/api/events",
        "/api/photos",
        "/api/photos/{id}/image",
        "/api/questionnaire",
        "/api/communes/{id}/needs",
    ] {
        let operations = document["paths"][path]
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert!(!operations.is_empty(), "{path} is not described");
        for (method, operation) in operations {
            // A client generator names its functions after the operation ids.
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert_eq!(
                operation_ids.iter().filter(|i| *i == id).count(),
                1,
                "{method} {path}: operationId {id:?} is not unique"
            );
            assert!(
                operation["responses"]
                    .as_object()
                    .is_some_and(|r| r.keys().any(|k| k.starts_with('2'))),
                "{method} {path} describes its answer"
            );
        }
    }
    db.drop_database().await
}

fn discovery_day(starts_on: NaiveDate, (longitude, latitude): (f64, f64)) -> Value {
    json!({
        "title": {"nl": "Ontdekkingsdag", "fr": "Journée découverte"},
        "description": {"nl": "Wandeling langs de oude winkels.", "fr": "Promenade le long des anciens commerces."},
        "starts_on": starts_on,
        "place": "Grote Markt",
        "longitude": longitude,
        "latitude": latitude,
    })
}

/// Discovery days: published by partners inside the study area, listed from today.
#[tokio::test]
async fn partners_publish_discovery_days_inside_the_region() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    account(&db.pool, "piet", Role::Partner).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let today = today(&db.pool).await?;
    let day = |offset: i64| today + chrono::Duration::days(offset);
    let ieper = inside(&db.pool, "BE", "33011").await?;
    let events_url = format!("{}/api/events", app.base);
    let good = discovery_day(day(3), ieper);

    let before = rows(&db.pool).await?;
    assert_eq!(post_json(&app, "/api/events", &good).await?.0, 401);
    let (partner, csrf) = login(&app, "piet").await?;
    assert_eq!(send(partner.post(&events_url).json(&good)).await?.0, 403);
    let publish = |body: &Value| {
        partner
            .post(&events_url)
            .header("x-csrf-token", &csrf)
            .json(body)
    };
    let bad = [
        (discovery_day(day(3), OUTSIDE), "longitude"),
        (
            with(good.clone(), "/longitude", Some(Value::Null)),
            "longitude",
        ),
        (
            with(good.clone(), "/latitude", Some(json!(95.0))),
            "latitude",
        ),
        (
            with(good.clone(), "/longitude", Some(json!("2.9"))),
            "longitude",
        ),
        (
            with(good.clone(), "/place", Some(json!("p".repeat(201)))),
            "place",
        ),
        (with(good.clone(), "/place", Some(json!(""))), "place"),
        (with(good.clone(), "/starts_on", None), "starts_on"),
        (
            with(good.clone(), "/starts_on", Some(json!("2026-02-30"))),
            "starts_on",
        ),
        (
            with(good.clone(), "/title/nl", Some(json!("t".repeat(121)))),
            "title.nl",
        ),
        (
            with(
                good.clone(),
                "/description/fr",
                Some(json!("d".repeat(2001))),
            ),
            "description.fr",
        ),
    ];
    for (body, field) in bad {
        let answer = send(publish(&body)).await?;
        assert_eq!(refused(&answer), (422, field.to_owned()), "{}", answer.1);
    }
    let not_json = partner
        .post(&events_url)
        .header("x-csrf-token", &csrf)
        .body("title=x");
    assert_eq!(send(not_json).await?.0, 400);
    assert_eq!(rows(&db.pool).await?, before, "refused days write nothing");

    let mut ids = Vec::new();
    for starts_on in [day(10), day(-5), day(0), day(2)] {
        let (status, answer) = send(publish(&discovery_day(starts_on, ieper))).await?;
        assert_eq!(status, 201, "{answer}");
        ids.push(answer["id"].as_i64().unwrap_or_default());
    }

    // From today by default, soonest first; from another day on request.
    let (status, coming) = get_json(&app, "/api/events").await?;
    assert_eq!(status, 200);
    let days: Vec<Value> = coming
        .as_array()
        .map(|a| a.iter().map(|e| e["starts_on"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(days, [json!(day(0)), json!(day(2)), json!(day(10))]);
    let first = &coming[0];
    assert_eq!(first["id"], ids[2]);
    assert_eq!(first["title"]["fr"], "Journée découverte");
    assert_eq!(first["place"], "Grote Markt");
    assert!((first["longitude"].as_f64().unwrap_or_default() - ieper.0).abs() < 1e-9);
    let (_, all) = get_json(&app, &format!("/api/events?from={}", day(-30))).await?;
    assert_eq!(all.as_array().map(Vec::len), Some(4));
    assert_eq!(all[0]["starts_on"], json!(day(-5)));
    assert_eq!(get_json(&app, "/api/events?from=yesterday").await?.0, 400);

    let published: Vec<(String, String, Value)> = sqlx::query_as(
        "SELECT username, subject, after FROM audit_log WHERE action = 'publish_event' ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(published.len(), 4);
    assert_eq!(published[0].0, "piet");
    assert_eq!(published[0].1, format!("event/{}", ids[0]));
    assert_eq!(published[0].2["commune"], "BE-33011");
    db.drop_database().await
}

/// A JPEG of `width` × `height` with a gradient.
fn jpeg(width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let pixels = ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90).encode_image(&pixels)?;
    Ok(out)
}

/// An EXIF block as a camera writes one: orientation "rotate 90° clockwise", a
/// description, and a GPS IFD with the latitude of the writer's home.
fn exif_with_gps() -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        out.extend_from_slice(&tag.to_be_bytes());
        out.extend_from_slice(&kind.to_be_bytes());
        out.extend_from_slice(&count.to_be_bytes());
        out.extend_from_slice(&value);
    }
    const DESCRIPTION: &[u8] = b"GPS home of the writer\0";
    // TIFF header, then IFD0 at 8 with 3 entries (2 + 36 + 4 = 42 bytes), the
    // description at 50, the GPS IFD after it, its latitude after that.
    let ifd0 = 8u32;
    let description_at = ifd0 + 42;
    let gps_ifd = description_at + DESCRIPTION.len() as u32;
    let latitude_at = gps_ifd + 2 + 24 + 4;
    let mut tiff = b"MM\0\x2a".to_vec();
    tiff.extend_from_slice(&ifd0.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    entry(
        &mut tiff,
        0x010E,
        2,
        DESCRIPTION.len() as u32,
        description_at.to_be_bytes(),
    );
    entry(&mut tiff, 0x0112, 3, 1, [0, 6, 0, 0]);
    entry(&mut tiff, 0x8825, 4, 1, gps_ifd.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(DESCRIPTION);
    tiff.extend_from_slice(&2u16.to_be_bytes());
    entry(&mut tiff, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, 5, 3, latitude_at.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    for (numerator, denominator) in [(50u32, 1u32), (51, 1), (4242, 100)] {
        tiff.extend_from_slice(&numerator.to_be_bytes());
        tiff.extend_from_slice(&denominator.to_be_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(&app1);
    segment
}

/// A JPEG with the EXIF block right after its start-of-image marker.
fn jpeg_with_exif(width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let plain = jpeg(width, height)?;
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&exif_with_gps());
    out.extend_from_slice(&plain[2..]);
    Ok(out)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A 1 × 1 PNG whose header claims `width` × `height` (with the header's checksum
/// right, so only the size gives it away).
fn png_claiming(width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let mut png = Vec::new();
    PngEncoder::new(&mut png).write_image(&[0], 1, 1, image::ExtendedColorType::L8)?;
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    Ok(png)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The photo form with these fields (`image` given as bytes and a file name).
fn photo_form(fields: &[(&str, &str)], image: Option<(Vec<u8>, &str)>) -> anyhow::Result<Form> {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    if let Some((bytes, name)) = image {
        let mime = if name.ends_with(".png") {
            "image/png"
        } else {
            "image/jpeg"
        };
        form = form.part(
            "image",
            Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str(mime)?,
        );
    }
    Ok(form)
}

/// Photos: the image is re-encoded, upright, scaled down, without any metadata; a
/// pending photo is seen by moderators only; an accepted one by everyone.
#[tokio::test]
async fn photos_are_stored_without_their_metadata() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    account(&db.pool, "anne", Role::Moderator).await?;
    account(&db.pool, "piet", Role::Partner).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let (lon, lat) = inside(&db.pool, "FR", "59183").await?;
    let (lon, lat) = (lon.to_string(), lat.to_string());
    let photos_url = format!("{}/api/photos", app.base);
    let caption = "<script>alert('then')</script> De markt in 1950";
    let fields = [
        ("longitude", lon.as_str()),
        ("latitude", lat.as_str()),
        ("year", "1950"),
        ("caption", caption),
        ("language", "nl"),
        ("contact_email", "an@example.org"),
        ("website", ""),
    ];

    // A camera's JPEG with EXIF and GPS.
    let original = jpeg_with_exif(64, 48)?;
    assert!(contains(&original, b"Exif\0\0") && contains(&original, b"GPS"));
    let form = photo_form(&fields, Some((original, "IMG_0001.jpg")))?;
    let (status, created) = send(app.client.post(&photos_url).multipart(form)).await?;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "pending");
    let id = created["id"].as_i64().unwrap_or_default();
    let (stored, width, height, stored_caption): (Vec<u8>, i32, i32, String) =
        sqlx::query_as("SELECT jpeg, width, height, caption FROM photo WHERE contribution_id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await?;
    assert!(!contains(&stored, b"Exif"), "the stored image has no EXIF");
    assert!(!contains(&stored, b"GPS"));
    assert_eq!((width, height), (48, 64), "turned upright as the EXIF said");
    assert_eq!(stored_caption, caption, "stored as written");

    // Pending: not listed, its image hidden but from moderators.
    let image_url = format!("{photos_url}/{id}/image");
    assert_eq!(get_json(&app, "/api/photos").await?.1, json!([]));
    assert_eq!(app.client.get(&image_url).send().await?.status(), 404);
    let (partner, _) = login(&app, "piet").await?;
    assert_eq!(partner.get(&image_url).send().await?.status(), 404);
    let (moderator, csrf) = login(&app, "anne").await?;
    let response = moderator.get(&image_url).send().await?;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    let served = response.bytes().await?;
    assert!(!contains(&served, b"Exif") && !contains(&served, b"GPS"));
    let decoded = image::load_from_memory_with_format(&served, image::ImageFormat::Jpeg)?;
    assert_eq!((decoded.width(), decoded.height()), (48, 64));

    // Accepted: listed with its URL, served to everyone for a short while.
    let accept = format!("{}/api/moderation/contributions/{id}/accept", app.base);
    let (status, answer) = send(moderator.post(&accept).header("x-csrf-token", &csrf)).await?;
    assert_eq!(status, 200, "{answer}");
    let (_, listed) = get_json(&app, "/api/photos").await?;
    assert_eq!(
        listed,
        json!([{
            "id": id, "longitude": lon.parse::<f64>()?, "latitude": lat.parse::<f64>()?,
            "year": 1950, "caption": caption, "language": "nl",
            "url": format!("/api/photos/{id}/image"),
        }])
    );
    let response = app.client.get(&image_url).send().await?;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.bytes().await?, served);
    assert_eq!(
        app.client
            .get(format!("{photos_url}/999999/image"))
            .send()
            .await?
            .status(),
        404
    );
    assert_eq!(
        app.client
            .get(format!("{photos_url}/x/image"))
            .send()
            .await?
            .status(),
        400
    );

    // A large photo (far beyond the other routes' 64 KiB) is taken and scaled down; a
    // PNG becomes a JPEG.
    let large = jpeg(3000, 1000)?;
    assert!(large.len() > 64 * 1024, "{} bytes", large.len());
    let form = photo_form(&fields, Some((large, "large.jpg")))?;
    let (status, created) = send(app.client.post(&photos_url).multipart(form)).await?;
    assert_eq!(status, 201, "{created}");
    let size: (i32, i32) =
        sqlx::query_as("SELECT width, height FROM photo WHERE contribution_id = $1")
            .bind(created["id"].as_i64())
            .fetch_one(&db.pool)
            .await?;
    assert_eq!(size, (2048, 683));
    let mut png = Vec::new();
    let gray = ImageBuffer::from_fn(40, 30, |x, _| Luma([(x * 6) as u8]));
    PngEncoder::new(&mut png).write_image(gray.as_raw(), 40, 30, image::ExtendedColorType::L8)?;
    let form = photo_form(&fields, Some((png, "scan.png")))?;
    let (status, created) = send(app.client.post(&photos_url).multipart(form)).await?;
    assert_eq!(status, 201, "{created}");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT jpeg FROM photo WHERE contribution_id = $1")
        .bind(created["id"].as_i64())
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(image::guess_format(&stored)?, image::ImageFormat::Jpeg);
    db.drop_database().await
}

/// A form's text fields, by name.
type Fields<'a> = Vec<(&'a str, &'a str)>;
/// An image sent in the form: its bytes and file name.
type Upload<'a> = (Vec<u8>, &'a str);

/// The form's fields with `name` left out, or given `value`.
fn replaced<'a>(
    good: &[(&'a str, &'a str)],
    name: &'a str,
    value: Option<&'a str>,
) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = good.iter().copied().filter(|(n, _)| *n != name).collect();
    if let Some(v) = value {
        fields.push((name, v));
    }
    fields
}

/// Bad photos and bad fields, each refused naming the field; nothing is written.
#[tokio::test]
async fn bad_photos_are_refused_naming_the_field() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let (lon, lat) = inside(&db.pool, "BE", "33011").await?;
    let (lon, lat) = (lon.to_string(), lat.to_string());
    let (out_lon, out_lat) = (OUTSIDE.0.to_string(), OUTSIDE.1.to_string());
    let next_year = (today(&db.pool).await? + chrono::Duration::days(366))
        .format("%Y")
        .to_string();
    let photos_url = format!("{}/api/photos", app.base);
    let good: Vec<(&str, &str)> = vec![
        ("longitude", &lon),
        ("latitude", &lat),
        ("year", "1984"),
        ("caption", "Het station"),
        ("language", "fr"),
    ];
    let small = jpeg(32, 32)?;
    let long_caption = "c".repeat(501);
    let out_fields: Vec<(&str, &str)> = vec![
        ("longitude", &out_lon),
        ("latitude", &out_lat),
        ("year", "1984"),
        ("caption", "Brussel"),
        ("language", "fr"),
    ];
    let cases: Vec<(Fields, Option<Upload>, &str)> = vec![
        (good.clone(), None, "image"),
        (
            good.clone(),
            Some((b"not an image at all".to_vec(), "a.jpg")),
            "image",
        ),
        (good.clone(), Some((Vec::new(), "empty.jpg")), "image"),
        (
            good.clone(),
            Some((b"GIF89a\x01\x00\x01\x00\x00\x00\x00".to_vec(), "a.gif")),
            "image",
        ),
        (
            good.clone(),
            Some((small[..small.len() / 2].to_vec(), "cut.jpg")),
            "image",
        ),
        (
            good.clone(),
            Some((png_claiming(10_000, 10_000)?, "bomb.png")),
            "image",
        ),
        (
            good.clone(),
            Some((png_claiming(7000, 6000)?, "bomb.png")),
            "image",
        ),
        (
            replaced(&good, "longitude", None),
            Some((small.clone(), "a.jpg")),
            "longitude",
        ),
        (
            replaced(&good, "longitude", Some("east")),
            Some((small.clone(), "a.jpg")),
            "longitude",
        ),
        (
            replaced(&good, "longitude", Some("NaN")),
            Some((small.clone(), "a.jpg")),
            "longitude",
        ),
        (
            replaced(&good, "latitude", Some("91")),
            Some((small.clone(), "a.jpg")),
            "latitude",
        ),
        (out_fields, Some((small.clone(), "a.jpg")), "longitude"),
        (
            replaced(&good, "year", None),
            Some((small.clone(), "a.jpg")),
            "year",
        ),
        (
            replaced(&good, "year", Some("1849")),
            Some((small.clone(), "a.jpg")),
            "year",
        ),
        (
            replaced(&good, "year", Some(&next_year)),
            Some((small.clone(), "a.jpg")),
            "year",
        ),
        (
            replaced(&good, "year", Some("the fifties")),
            Some((small.clone(), "a.jpg")),
            "year",
        ),
        (
            replaced(&good, "caption", None),
            Some((small.clone(), "a.jpg")),
            "caption",
        ),
        (
            replaced(&good, "caption", Some(&long_caption)),
            Some((small.clone(), "a.jpg")),
            "caption",
        ),
        (
            replaced(&good, "caption", Some("a\u{1b}[2J")),
            Some((small.clone(), "a.jpg")),
            "caption",
        ),
        (
            replaced(&good, "language", Some("de")),
            Some((small.clone(), "a.jpg")),
            "language",
        ),
        (
            replaced(&good, "language", None),
            Some((small.clone(), "a.jpg")),
            "language",
        ),
        (
            replaced(&good, "website", Some("http://spam.example")),
            Some((small.clone(), "a.jpg")),
            "website",
        ),
        (
            replaced(&good, "contact_email", Some("nobody")),
            Some((small.clone(), "a.jpg")),
            "contact_email",
        ),
    ];
    let before = rows(&db.pool).await?;
    for (fields, image, field) in cases {
        let form = photo_form(&fields, image)?;
        let answer = send(app.client.post(&photos_url).multipart(form)).await?;
        assert_eq!(refused(&answer), (422, field.to_owned()), "{}", answer.1);
    }
    // Two images in one form.
    let form = photo_form(&good, Some((small.clone(), "a.jpg")))?
        .part("image", Part::bytes(small.clone()).file_name("b.jpg"));
    let answer = send(app.client.post(&photos_url).multipart(form)).await?;
    assert_eq!(refused(&answer), (422, "image".to_owned()), "{}", answer.1);
    // An image file just over 8 MiB is refused by name; a form over 9 MiB as a whole.
    let heavy = vec![0xFFu8; 8 * 1024 * 1024 + 1024];
    let form = photo_form(&good, Some((heavy, "heavy.jpg")))?;
    let answer = send(app.client.post(&photos_url).multipart(form)).await?;
    assert_eq!(refused(&answer), (422, "image".to_owned()), "{}", answer.1);
    let form = photo_form(&good, Some((small.clone(), "a.jpg")))?
        .text("padding", "p".repeat(9 * 1024 * 1024 + 1024));
    let answer = send(app.client.post(&photos_url).multipart(form)).await?;
    assert_eq!(answer.0, 413, "{}", answer.1);
    // Not a multipart form at all.
    let answer = send(app.client.post(&photos_url).json(&json!({"caption": "x"}))).await?;
    assert_eq!(answer.0, 400, "{}", answer.1);
    assert_eq!(
        rows(&db.pool).await?,
        before,
        "refused photos write nothing"
    );
    db.drop_database().await
}

fn answer(commune: &str, uses: Value, missing: Value) -> Value {
    json!({"commune": commune, "uses": uses, "missing": missing, "website": ""})
}

/// The needs questionnaire: checked field by field, kept without who or when, and shown
/// per commune only from five answers on.
#[tokio::test]
async fn needs_are_shown_per_commune_from_five_answers() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let app = TestApp::spawn(db.pool.clone()).await?;
    let uses = json!([
        {"category": "pharmacy", "where": "own_commune", "how": "walk"},
        {"category": "post_office", "where": "across_border", "how": "car"},
        {"category": "library", "where": "not_used"},
    ]);
    let good = answer("BE-33011", uses.clone(), json!(["general_practitioner"]));
    let too_many: Vec<Value> = (0..61)
        .map(|i| json!({"category": format!("c{i}"), "where": "own_commune"}))
        .collect();
    let bad = [
        (
            with(good.clone(), "/commune", Some(json!("BE-99999"))),
            "commune",
        ),
        (
            with(good.clone(), "/commune", Some(json!("Ieper"))),
            "commune",
        ),
        (with(good.clone(), "/commune", None), "commune"),
        (with(good.clone(), "/uses", Some(json!([]))), "uses"),
        (with(good.clone(), "/uses", Some(json!(too_many))), "uses"),
        (with(good.clone(), "/uses", None), "uses"),
        (
            with(good.clone(), "/uses/1/category", Some(json!("spaceport"))),
            "uses[1].category",
        ),
        (
            with(good.clone(), "/uses/2/category", Some(json!("pharmacy"))),
            "uses[2].category",
        ),
        (
            with(good.clone(), "/uses/1/category", Some(json!("Post Office"))),
            "uses[1].category",
        ),
        (
            with(good.clone(), "/uses/0/where", Some(json!("elsewhere"))),
            "uses[0].where",
        ),
        (with(good.clone(), "/uses/0/where", None), "uses[0]"),
        (
            with(good.clone(), "/uses/0/how", Some(json!("plane"))),
            "uses[0].how",
        ),
        (
            with(
                good.clone(),
                "/missing",
                Some(json!(["library", "spaceport"])),
            ),
            "missing[1]",
        ),
        (
            with(
                good.clone(),
                "/missing",
                Some(json!(["library", "library"])),
            ),
            "missing[1]",
        ),
        (
            with(good.clone(), "/website", Some(json!("http://spam.example"))),
            "website",
        ),
    ];
    let before = rows(&db.pool).await?;
    for (body, field) in bad {
        let answer = post_json(&app, "/api/questionnaire", &body).await?;
        assert_eq!(refused(&answer), (422, field.to_owned()), "{}", answer.1);
    }
    assert_eq!(
        rows(&db.pool).await?,
        before,
        "refused answers write nothing"
    );
    // This route keeps the participation routes' 64 KiB; the photos' 9 MiB is theirs only.
    let padded = with(good.clone(), "/padding", Some(json!("p".repeat(70 * 1024))));
    assert_eq!(post_json(&app, "/api/questionnaire", &padded).await?.0, 413);

    // Four answers: hidden, count included.
    for _ in 0..4 {
        let (status, received) = post_json(&app, "/api/questionnaire", &good).await?;
        assert_eq!(
            (status.as_u16(), received),
            (201, json!({"received": true}))
        );
    }
    let hidden = json!({
        "commune": "BE-33011", "answers": null, "minimum": 5, "hidden": true,
        "categories": [], "missing": [],
    });
    assert_eq!(
        get_json(&app, "/api/communes/BE-33011/needs").await?.1,
        hidden
    );

    // The fifth shows the counts.
    let fifth = answer(
        "BE-33011",
        json!([
            {"category": "pharmacy", "where": "neighbour", "how": "bike"},
            {"category": "post_office", "where": "across_border"},
        ]),
        json!(["general_practitioner", "library"]),
    );
    assert_eq!(post_json(&app, "/api/questionnaire", &fifth).await?.0, 201);
    let (status, shown) = get_json(&app, "/api/communes/BE-33011/needs").await?;
    assert_eq!(status, 200);
    assert_eq!(
        shown,
        json!({
            "commune": "BE-33011", "answers": 5, "minimum": 5, "hidden": false,
            "categories": [
                {"category": "library", "answers": 4, "own_commune": 0, "neighbour": 0, "across_border": 0, "not_used": 4},
                {"category": "pharmacy", "answers": 5, "own_commune": 4, "neighbour": 1, "across_border": 0, "not_used": 0},
                {"category": "post_office", "answers": 5, "own_commune": 0, "neighbour": 0, "across_border": 5, "not_used": 0},
            ],
            "missing": [
                {"category": "general_practitioner", "count": 5},
                {"category": "library", "count": 1},
            ],
        })
    );
    // Another commune is still hidden; unknown or malformed ids are refused.
    let (_, other) = get_json(&app, "/api/communes/FR-59183/needs").await?;
    assert_eq!(other["hidden"], true);
    assert_eq!(get_json(&app, "/api/communes/BE-99999/needs").await?.0, 404);
    assert_eq!(get_json(&app, "/api/communes/Ieper/needs").await?.0, 400);

    // Nothing of who answered or when, beyond the day.
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_name IN ('needs_response', 'needs_use') ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(
        columns,
        [
            "id",
            "country",
            "commune_code",
            "answered_on",
            "missing",
            "response_id",
            "category",
            "place",
            "travel",
        ]
    );
    let travels: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT travel::text FROM needs_use WHERE category = 'post_office' ORDER BY response_id",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(travels.last(), Some(&None), "how is optional");

    // Answers count against the address's allowance of contributions.
    let mut settings = test_settings();
    settings.limits.contributions = RateLimit {
        requests: 1,
        window: Duration::from_secs(3600),
    };
    let limited = TestApp::spawn_with(db.pool.clone(), 0, settings).await?;
    let first = post_json(&limited, "/api/questionnaire", &good).await?;
    let second = post_json(&limited, "/api/questionnaire", &good).await?;
    assert!(
        first.0 == 429 || second.0 == 429,
        "{:?} {:?}",
        first.0,
        second.0
    );
    db.drop_database().await
}
