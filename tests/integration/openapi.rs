//! `/api/openapi.json`: a valid OpenAPI 3.1 document that describes every route of the
//! HTTP interface but the tiles and the web map, and that the OGC landing page links to.

use std::collections::BTreeSet;

use observatory_tests::{TestApp, TestDb};
use serde_json::Value;

const OPENAPI_TYPE: &str = "application/vnd.oai.openapi+json;version=3.1";

/// Every route of the API router (README, "HTTP interface"), as OpenAPI path templates,
/// with the methods it answers.
const ROUTES: [(&str, &[&str]); 43] = [
    ("/health", &["GET"]),
    ("/api/regions", &["GET"]),
    ("/api/indicators", &["GET"]),
    ("/api/indicators/{id}", &["GET"]),
    ("/api/communes", &["GET"]),
    ("/api/communes/{id}", &["GET"]),
    ("/api/communes/{id}/needs", &["GET"]),
    ("/api/labels", &["GET"]),
    ("/api/categories", &["GET"]),
    ("/api/sources", &["GET"]),
    ("/api/openapi.json", &["GET"]),
    ("/exports/communes.geojson", &["GET"]),
    ("/exports/communes.csv", &["GET"]),
    ("/exports/services.geojson", &["GET"]),
    ("/exports/services.csv", &["GET"]),
    ("/ogc", &["GET"]),
    ("/ogc/conformance", &["GET"]),
    ("/ogc/collections", &["GET"]),
    ("/ogc/collections/{collection}", &["GET"]),
    ("/ogc/collections/{collection}/items", &["GET"]),
    ("/ogc/collections/{collection}/items/{fid}", &["GET"]),
    ("/api/participation/themes", &["GET"]),
    ("/api/reports", &["GET", "POST"]),
    ("/api/reports/nearby", &["GET"]),
    ("/api/ideas", &["GET", "POST"]),
    ("/api/ideas/{id}/support", &["POST"]),
    ("/api/calls", &["GET", "POST"]),
    ("/api/calls/{id}/ideas", &["POST"]),
    ("/api/project-ideas", &["GET"]),
    ("/api/project-ideas/{id}/support", &["POST"]),
    ("/api/events", &["GET", "POST"]),
    ("/api/photos", &["GET", "POST"]),
    ("/api/photos/{id}/image", &["GET"]),
    ("/api/questionnaire", &["POST"]),
    ("/api/withdraw/{token}", &["DELETE", "GET"]),
    ("/api/session", &["DELETE", "GET", "POST"]),
    ("/api/moderation/queue", &["GET"]),
    ("/api/moderation/contributions/{id}/accept", &["POST"]),
    ("/api/moderation/contributions/{id}/reject", &["POST"]),
    ("/api/moderation/contributions/{id}/merge", &["POST"]),
    ("/api/moderation/audit", &["GET"]),
    ("/api/moderation/project-ideas", &["GET"]),
    ("/api/moderation/project-ideas/{id}/status", &["POST"]),
];

/// A value for each path parameter, to request a documented path.
fn example(parameter: &str) -> &'static str {
    match parameter {
        "collection" => "communes",
        "fid" | "id" => "BE-33011",
        _ => "x",
    }
}

fn fill_template(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
        out.push_str(example(&rest[start + 1..end]));
        rest = rest.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Every `$ref` in the document.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(s)) => out.push(s),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_is_valid_and_describes_every_route() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let app = TestApp::spawn(db.pool.clone()).await?;

    // Found the way an OGC client finds it: the landing page's service-desc link.
    let landing: Value = app.get("/ogc").await?.json().await?;
    let desc = landing["links"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["rel"] == "service-desc")
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no service-desc link: {landing}"))?;
    assert_eq!(desc["type"], OPENAPI_TYPE);
    let href = desc["href"].as_str().unwrap_or_default();
    assert_eq!(href, format!("{}/api/openapi.json", app.base));
    let response = app.client.get(href).send().await?;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], OPENAPI_TYPE);
    let text = response.text().await?;

    // Parsed and checked by an OpenAPI 3.1 library.
    let spec = oas3::from_json(&text)?;
    let version = spec.validate_version()?;
    assert_eq!((version.major, version.minor), (3, 1));
    assert!(!spec.info.title.is_empty());

    let documented: BTreeSet<String> = spec
        .paths
        .iter()
        .flatten()
        .map(|(p, _)| p.clone())
        .collect();
    let expected: BTreeSet<String> = ROUTES.iter().map(|(r, _)| (*r).to_owned()).collect();
    assert_eq!(documented, expected);

    let mut operation_ids = BTreeSet::new();
    let mut methods: BTreeSet<(String, String)> = BTreeSet::new();
    for (path, method, operation) in spec.operations() {
        methods.insert((path.clone(), method.to_string()));
        assert!(
            operation.summary.as_deref().is_some_and(|s| !s.is_empty()),
            "{path} says what it does"
        );
        let id = operation.operation_id.clone().unwrap_or_default();
        assert!(
            operation_ids.insert(id.clone()),
            "{path}: operationId {id:?} is unique"
        );
        let responses = operation.responses.as_ref();
        assert!(
            responses.is_some_and(|r| ["200", "201", "204"].iter().any(|s| r.contains_key(*s))),
            "{path} describes its answer"
        );
        // Every path parameter of the template is described, and only those.
        let in_template: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(name, _)| name))
            .collect();
        let described: BTreeSet<String> = operation
            .parameters
            .iter()
            .filter_map(|p| p.resolve(&spec).ok())
            .filter(|p| p.location == oas3::spec::ParameterIn::Path)
            .map(|p| p.name)
            .collect();
        let described: BTreeSet<&str> = described.iter().map(String::as_str).collect();
        assert_eq!(in_template, described, "{path}: path parameters");
    }

    let expected_methods: BTreeSet<(String, String)> = ROUTES
        .iter()
        .flat_map(|(path, methods)| {
            methods
                .iter()
                .map(|m| ((*path).to_owned(), (*m).to_owned()))
        })
        .collect();
    assert_eq!(methods, expected_methods);

    // The filters of the exports are described as query parameters.
    let filters = |path: &str| -> BTreeSet<String> {
        spec.operations()
            .find(|(p, _, _)| p == path)
            .map(|(_, _, op)| {
                op.parameters
                    .iter()
                    .filter_map(|p| p.resolve(&spec).ok())
                    .filter(|p| p.location == oas3::spec::ParameterIn::Query)
                    .map(|p| p.name)
                    .collect()
            })
            .unwrap_or_default()
    };
    let services: BTreeSet<String> = ["bbox", "category", "commune", "date", "region"]
        .map(String::from)
        .into();
    let communes: BTreeSet<String> = ["bbox", "commune", "region"].map(String::from).into();
    assert_eq!(filters("/exports/services.geojson"), services);
    assert_eq!(filters("/exports/services.csv"), services);
    assert_eq!(filters("/exports/communes.geojson"), communes);
    assert_eq!(filters("/exports/communes.csv"), communes);
    // So is the region of the other routes that keep to one.
    for path in [
        "/api/indicators/{id}",
        "/api/communes",
        "/api/labels",
        "/ogc/collections/{collection}/items",
    ] {
        assert!(filters(path).contains("region"), "{path} describes region");
    }

    // The profile, the label points and the indicators are described field by field, not
    // as any JSON.
    let raw: Value = serde_json::from_str(&text)?;
    let schema_of = |path: &str| -> Value {
        let ok = &raw["paths"][path]["get"]["responses"]["200"]["content"];
        let schema = ok
            .as_object()
            .and_then(|media| media.values().next())
            .map(|m| m["schema"].clone())
            .unwrap_or_default();
        match schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => raw.pointer(pointer).cloned().unwrap_or_default(),
            None => schema,
        }
    };
    let profile = schema_of("/api/communes/{id}");
    for property in [
        "id",
        "arrondissement",
        "population",
        "population_series",
        "services_series",
        "indicators",
        "nearest",
    ] {
        assert!(
            profile["properties"][property].is_object(),
            "the profile's schema describes {property}: {profile}"
        );
    }
    // The indicators' definitions and values too, down to the items of their arrays.
    let item_of = |array: &Value| -> Value {
        match array["items"]["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(pointer) => raw.pointer(pointer).cloned().unwrap_or_default(),
            None => array["items"].clone(),
        }
    };
    let definition = item_of(&schema_of("/api/indicators"));
    for property in [
        "id",
        "name",
        "definition",
        "unit",
        "per_category",
        "categories",
        "years",
        "sources",
        "reference",
        "licence",
        "method",
    ] {
        assert!(
            definition["properties"][property].is_object(),
            "the indicator definition's schema describes {property}: {definition}"
        );
    }
    let values = schema_of("/api/indicators/{id}");
    for property in [
        "indicator",
        "category",
        "year",
        "count",
        "no_data",
        "min",
        "max",
        "median",
        "region",
        "values",
    ] {
        assert!(
            values["properties"][property].is_object(),
            "the indicator values' schema describes {property}: {values}"
        );
    }
    let value = item_of(&values["properties"]["values"]);
    for property in [
        "commune", "name", "name_nl", "name_fr", "value", "no_data", "sources",
    ] {
        assert!(
            value["properties"][property].is_object(),
            "a commune value's schema describes {property}: {value}"
        );
    }
    let region = item_of(&schema_of("/api/regions"));
    for property in ["id", "name", "bbox", "view", "communes"] {
        assert!(
            region["properties"][property].is_object(),
            "a region's schema describes {property}: {region}"
        );
    }
    let labels = schema_of("/api/labels");
    for property in ["type", "features"] {
        assert!(
            labels["properties"][property].is_object(),
            "the labels' schema describes {property}: {labels}"
        );
    }

    // Every reference points into the document.
    let mut all = Vec::new();
    refs(&raw, &mut all);
    assert!(!all.is_empty(), "the error body is a shared schema");
    for r in all {
        let pointer = r
            .strip_prefix('#')
            .ok_or_else(|| anyhow::anyhow!("{r} points outside the document"))?;
        assert!(raw.pointer(pointer).is_some(), "{r} resolves");
    }

    // What the participation routes take is described field by field too.
    let body_of = |path: &str, method: &str| -> Value {
        let content = &raw["paths"][path][method]["requestBody"]["content"];
        let schema = content
            .as_object()
            .and_then(|media| media.values().next())
            .map(|m| m["schema"].clone())
            .unwrap_or_default();
        match schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => raw.pointer(pointer).cloned().unwrap_or_default(),
            None => schema,
        }
    };
    for (path, fields) in [
        (
            "/api/reports",
            &[
                "action",
                "category",
                "longitude",
                "latitude",
                "observed_on",
                "language",
            ][..],
        ),
        (
            "/api/ideas",
            &["commune", "theme", "title", "body", "language"],
        ),
        (
            "/api/calls/{id}/ideas",
            &["title", "description", "communes", "contact_email"],
        ),
        ("/api/questionnaire", &["commune", "uses", "missing"]),
        (
            "/api/photos",
            &["image", "longitude", "latitude", "year", "caption"],
        ),
        ("/api/session", &["username", "password"]),
    ] {
        let body = body_of(path, "post");
        for field in fields {
            assert!(
                body["properties"][*field].is_object(),
                "POST {path} describes {field}: {body}"
            );
        }
    }

    // Every documented operation is served by a handler: the answer is JSON or a download,
    // never the web map's fallback (whose 404 has no JSON body) nor axum's plain-text
    // refusals. Changes are sent without a body or a session: each is refused, as JSON.
    for (path, method) in &methods {
        let url = format!("{}{}", app.base, fill_template(path));
        let response = match method.as_str() {
            "GET" => app.client.get(&url),
            "POST" => app.client.post(&url),
            "DELETE" => app.client.delete(&url),
            other => anyhow::bail!("{other} {path} is not tried here"),
        }
        .send()
        .await?;
        let status = response.status();
        let media_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            media_type.contains("json") || media_type.starts_with("text/csv"),
            "{method} {path}: {status} {media_type}"
        );
        if method != "GET" {
            assert!(
                status.is_client_error(),
                "{method} {path} without a body: {status}"
            );
        }
        if status == 404 {
            let body: Value = response.json().await?;
            assert!(body["error"].is_string(), "{path}: {body}");
        }
    }
    db.drop_database().await
}
