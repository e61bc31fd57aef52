//! Reading what a citizen sends: a JSON body that names the field it refuses, texts
//! bounded and free of control characters, a contact address, the honeypot, and a point
//! that must fall in a commune of the study area. Every field is untrusted; texts are
//! stored as written and escaped wherever they are shown.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use observatory_core::services::Wgs84Point;
use observatory_core::{CommuneCode, CommuneId, Country};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::ToSchema;

use crate::ApiError;

/// The largest JSON body a participation route reads.
pub const JSON_LIMIT: usize = 64 * 1024;

/// A JSON body: malformed JSON is a 400, a missing or mistyped field a 422 naming it.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let json = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json {
            return Err(ApiError::BadRequest(
                "send the body as JSON, with Content-Type: application/json".to_owned(),
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| match e.status() {
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::TooLarge(format!("the body is larger than {} KiB", JSON_LIMIT / 1024))
                }
                _ => ApiError::BadRequest(format!("cannot read the body: {e}")),
            })?;
        // Read as JSON first, so that every error of the second step is a value's.
        let json: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
        // PostgreSQL's text holds no NUL: refused here, by field, rather than by the
        // database as a value of no field.
        if let Some(field) = nul_in(&json, String::new()) {
            return Err(ApiError::invalid(
                field,
                "contains the control character U+0000; remove it",
            ));
        }
        match serde_path_to_error::deserialize(json) {
            Ok(value) => Ok(JsonBody(value)),
            Err(e) => {
                let field = e.path().to_string();
                let inner = e.into_inner();
                let message = plain_words(&inner.to_string());
                if field == "." {
                    // A missing field is reported at the object that lacks it.
                    let missing = message
                        .strip_prefix("missing field `")
                        .and_then(|rest| rest.split('`').next())
                        .map(str::to_owned);
                    match missing {
                        Some(field) => Err(ApiError::invalid(field, "this field is required")),
                        None => Err(ApiError::invalid("body", message)),
                    }
                } else {
                    Err(ApiError::invalid(field, message))
                }
            }
        }
    }
}

/// The path (`title`, `uses[2].service`) of the first string or key holding a NUL.
fn nul_in(value: &serde_json::Value, path: String) -> Option<String> {
    let at = |path: String| {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path
        }
    };
    match value {
        serde_json::Value::String(s) if s.contains('\0') => Some(at(path)),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_in(v, format!("{}[{i}]", at(path.clone())))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            let inner = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k.contains('\0') {
                Some(at(path.clone()))
            } else {
                nul_in(v, inner)
            }
        }),
        _ => None,
    }
}

/// Serde's message with the server's type names in the words of the API description:
/// `expected struct IdeaInput` is `expected a JSON object`, `expected u32` is `expected
/// a whole number from 0`.
fn plain_words(message: &str) -> String {
    const TYPES: [(&str, &str); 12] = [
        ("u8", "a whole number from 0 to 255"),
        ("u16", "a whole number from 0 to 65535"),
        ("u32", "a whole number from 0"),
        ("u64", "a whole number from 0"),
        ("usize", "a whole number from 0"),
        ("i8", "a whole number"),
        ("i16", "a whole number"),
        ("i32", "a whole number"),
        ("i64", "a whole number"),
        ("isize", "a whole number"),
        ("f32", "a number"),
        ("f64", "a number"),
    ];
    let Some((head, expected)) = message.split_once("expected ") else {
        return message.to_owned();
    };
    let (word, mut tail) = expected.split_once(' ').unwrap_or((expected, ""));
    let plain = if word == "struct" {
        // The struct's name is the next word.
        tail = tail.split_once(' ').map_or("", |(_, t)| t);
        "a JSON object"
    } else if let Some((_, plain)) = TYPES.iter().find(|(t, _)| *t == word) {
        plain
    } else {
        return message.to_owned();
    };
    format!("{head}expected {plain}{}", spaced(tail))
}

fn spaced(tail: &str) -> String {
    if tail.is_empty() {
        String::new()
    } else {
        format!(" {tail}")
    }
}

/// A contribution's, call's or event's number in the path: anything else is a 400 that
/// says so (axum's own answer would be plain text).
pub struct IdPath(pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::BadRequest(format!("path: {}", e.body_text())))?;
        raw.parse::<i64>().map(IdPath).map_err(|_| {
            ApiError::BadRequest(format!(
                "path parameter id: {raw:?} is not a number; give the id the lists answer"
            ))
        })
    }
}

/// The writer's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Nl,
    Fr,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Nl => "nl",
            Language::Fr => "fr",
            Language::En => "en",
        }
    }
}

/// Whether a text may span lines.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// A text the writer must give: trimmed, 1 to `max` characters, no control characters
/// (line breaks and tabs allowed in a `Lines::Many` text).
pub fn required_text(
    field: &'static str,
    value: &str,
    max: usize,
    lines: Lines,
) -> Result<String, ApiError> {
    let text = value.trim();
    if text.is_empty() {
        return Err(ApiError::invalid(
            field,
            "this text is empty; write something",
        ));
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(ApiError::invalid(
            field,
            format!("{chars} characters; at most {max} are taken"),
        ));
    }
    let allowed = |c: char| match lines {
        Lines::Many => c == '\n' || c == '\r' || c == '\t',
        Lines::One => false,
    };
    if let Some(c) = text.chars().find(|&c| c.is_control() && !allowed(c)) {
        return Err(ApiError::invalid(
            field,
            format!(
                "contains the control character U+{:04X}; remove it",
                c as u32
            ),
        ));
    }
    Ok(text.to_owned())
}

/// A text the writer may leave out; an empty one counts as left out.
pub fn optional_text(
    field: &'static str,
    value: Option<&str>,
    max: usize,
    lines: Lines,
) -> Result<Option<String>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(field, text, max, lines).map(Some),
    }
}

/// A contact address: optional unless `required`; never shown in public.
pub fn contact_email(value: Option<&str>, required: bool) -> Result<Option<String>, ApiError> {
    match value.map(str::trim) {
        None | Some("") if required => Err(ApiError::invalid(
            "contact_email",
            "an e-mail address is required here, so the partners can answer you; it is never shown",
        )),
        None | Some("") => Ok(None),
        Some(text) if text.len() > 254 => Err(ApiError::invalid(
            "contact_email",
            "longer than 254 characters",
        )),
        Some(text) => match text.parse::<email_address::EmailAddress>() {
            Ok(_) => Ok(Some(text.to_owned())),
            Err(e) => Err(ApiError::invalid(
                "contact_email",
                format!("not an e-mail address: {e}"),
            )),
        },
    }
}

/// The honeypot: a field people do not see and robots fill in.
pub fn honeypot(website: Option<&str>) -> Result<(), ApiError> {
    match website {
        None | Some("") => Ok(()),
        Some(_) => Err(ApiError::invalid(
            "website",
            "leave this field empty (it is there to catch robots)",
        )),
    }
}

/// A position the writer gives, checked as WGS 84 degrees.
pub fn position(longitude: f64, latitude: f64) -> Result<Wgs84Point, ApiError> {
    Wgs84Point::new(longitude, latitude).map_err(|e| {
        let field = if e.to_string().starts_with("longitude") {
            "longitude"
        } else {
            "latitude"
        };
        ApiError::invalid(field, e.to_string())
    })
}

/// The commune of the study area a point lies in, or a 422: contributions are about
/// this region.
pub async fn commune_at(
    conn: &mut PgConnection,
    point: Wgs84Point,
) -> Result<CommuneCode, ApiError> {
    let found: Option<(String, String)> = sqlx::query_as(include_str!("sql/commune_at.sql"))
        .bind(point.longitude())
        .bind(point.latitude())
        .fetch_optional(&mut *conn)
        .await?;
    let outside = || {
        ApiError::invalid(
            "longitude",
            format!(
                "({}, {}) is outside the communes of the study area; place the point in the region",
                point.longitude(),
                point.latitude()
            ),
        )
    };
    let (country, code) = found.ok_or_else(outside)?;
    let country: Country = country
        .parse()
        .map_err(|_| ApiError::Internal(format!("a commune of country {country:?}")))?;
    CommuneCode::parse(country, &code)
        .map_err(|e| ApiError::Internal(format!("a stored commune code: {e}")))
}

/// A commune of the study area, or a 422 naming `field`.
pub async fn known_commune(
    conn: &mut PgConnection,
    field: &'static str,
    id: &CommuneId,
) -> Result<(), ApiError> {
    let known: bool = sqlx::query_scalar(include_str!("sql/commune_exists.sql"))
        .bind(id.code().country().iso2())
        .bind(id.code().code())
        .fetch_one(&mut *conn)
        .await?;
    if known {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!("{id} is not a commune of the study area; find its id with /api/communes?q="),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_bounded_and_clean() {
        assert_eq!(
            required_text("title", "  Bakker  ", 10, Lines::One).ok(),
            Some("Bakker".to_owned())
        );
        assert!(required_text("title", "   ", 10, Lines::One).is_err());
        assert!(required_text("title", &"é".repeat(11), 10, Lines::One).is_err());
        assert!(required_text("title", &"é".repeat(10), 10, Lines::One).is_ok());
        assert!(required_text("title", "a\u{0}b", 10, Lines::One).is_err());
        assert!(required_text("title", "a\nb", 10, Lines::One).is_err());
        assert!(required_text("body", "a\nb", 10, Lines::Many).is_ok());
        assert!(required_text("body", "a\u{1b}[2Jb", 10, Lines::Many).is_err());
        // Markup and SQL-looking text are text: stored as written, escaped when shown.
        assert!(required_text(
            "body",
            "<script>x</script>'; DROP TABLE idea;--",
            100,
            Lines::Many
        )
        .is_ok());
    }

    #[test]
    fn serde_messages_speak_of_json_not_rust() {
        assert_eq!(
            plain_words("invalid type: string \"x\", expected struct IdeaInput"),
            "invalid type: string \"x\", expected a JSON object"
        );
        assert_eq!(
            plain_words("invalid value: integer `-1`, expected u32"),
            "invalid value: integer `-1`, expected a whole number from 0"
        );
        assert_eq!(
            plain_words("invalid type: null, expected f64"),
            "invalid type: null, expected a number"
        );
        assert_eq!(
            plain_words("unknown variant `de`, expected one of `nl`, `fr`, `en`"),
            "unknown variant `de`, expected one of `nl`, `fr`, `en`"
        );
        assert_eq!(
            plain_words("missing field `title`"),
            "missing field `title`"
        );
    }

    #[test]
    fn contact_addresses_are_checked() {
        assert_eq!(contact_email(None, false).ok(), Some(None));
        assert!(contact_email(None, true).is_err());
        assert!(contact_email(Some("anne@example.org"), true).is_ok());
        assert!(contact_email(Some("not an address"), false).is_err());
        assert!(contact_email(Some(&format!("{}@example.org", "a".repeat(250))), false).is_err());
    }

    #[test]
    fn the_honeypot_must_stay_empty() {
        assert!(honeypot(None).is_ok());
        assert!(honeypot(Some("")).is_ok());
        assert!(honeypot(Some("http://spam.example")).is_err());
    }
}

/// The refusals every citizen's contribution can meet, described once for the API
/// document (the answers themselves are [`ApiError`]s).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // described, never built
pub enum ContributionRefusals {
    #[response(status = 400, description = "The body is not JSON")]
    NotJson(crate::error::ErrorBody),
    #[response(status = 403, description = "Sent from another site")]
    OtherSite(crate::error::ErrorBody),
    #[response(status = 413, description = "The body is too large")]
    TooLarge(crate::error::ErrorBody),
    #[response(status = 422, description = "A field is refused; the answer names it")]
    Invalid(crate::error::ErrorBody),
    #[response(status = 429, description = "Too many contributions from this address")]
    TooMany(crate::error::ErrorBody),
}

/// Any JSON, and any text, through [`JsonBody`]: never a panic; a refusal is a 400 (not
/// JSON) or a 422 that names a field, in the API's words, not the server's types.
#[cfg(test)]
mod properties {
    use axum::extract::FromRequest;
    use axum::response::IntoResponse;
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // read only to be refused
    struct Probe {
        title: String,
        longitude: f64,
        year: Option<u16>,
        language: Language,
        uses: Vec<u32>,
        website: Option<String>,
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".*".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("title".to_owned()),
                        Just("longitude".to_owned()),
                        Just("year".to_owned()),
                        Just("language".to_owned()),
                        Just("uses".to_owned()),
                        ".*"
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn read(body: Vec<u8>) -> Result<(), (u16, Value)> {
        let request = Request::builder()
            .method("POST")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body))
            .map_err(|_| (0, Value::Null))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|_| (0, Value::Null))?;
        match runtime.block_on(JsonBody::<Probe>::from_request(request, &())) {
            Ok(_) => Ok(()),
            Err(e) => {
                let response = e.into_response();
                let status = response.status().as_u16();
                let bytes = runtime
                    .block_on(axum::body::to_bytes(response.into_body(), 1 << 20))
                    .unwrap_or_default();
                Err((
                    status,
                    serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                ))
            }
        }
    }

    fn check(status: u16, body: &Value) -> Result<(), TestCaseError> {
        let error = body["error"].as_str().unwrap_or_default();
        prop_assert!(!error.is_empty(), "{}", body);
        match status {
            400 => {}
            422 => prop_assert!(
                body["field"].as_str().is_some_and(|f| !f.is_empty()),
                "{}",
                body
            ),
            other => prop_assert!(false, "status {} {}", other, body),
        }
        for internal in [
            "struct ",
            "Probe",
            "observatory_",
            "src/",
            "expected u32",
            "expected f64",
            "expected u16",
        ] {
            prop_assert!(!error.contains(internal), "{}", body);
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn any_json(value in json()) {
            if let Err((status, body)) = read(value.to_string().into_bytes()) {
                check(status, &body)?;
            }
        }

        #[test]
        fn any_text_in_each_field(text in ".*", field in 0usize..6) {
            let mut body = serde_json::json!({
                "title": "Bakker", "longitude": 2.88, "year": 1990,
                "language": "nl", "uses": [1], "website": null
            });
            let name = ["title", "longitude", "year", "language", "uses", "website"][field];
            body[name] = Value::String(text);
            if let Err((status, body)) = read(body.to_string().into_bytes()) {
                check(status, &body)?;
            }
        }

        #[test]
        fn any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Err((status, body)) = read(bytes) {
                check(status, &body)?;
            }
        }
    }
}

/// The refusals a partner's publication can meet, described once for the API document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // described, never built
pub enum PublicationRefusals {
    #[response(status = 400, description = "The body is not JSON")]
    NotJson(crate::error::ErrorBody),
    #[response(status = 401, description = "No valid session")]
    NoSession(crate::error::ErrorBody),
    #[response(
        status = 403,
        description = "Not a partner, no CSRF token, or sent from another site"
    )]
    Forbidden(crate::error::ErrorBody),
    #[response(status = 413, description = "The body is too large")]
    TooLarge(crate::error::ErrorBody),
    #[response(status = 422, description = "A field is refused; the answer names it")]
    Invalid(crate::error::ErrorBody),
}
