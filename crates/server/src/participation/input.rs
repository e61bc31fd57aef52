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
        match serde_path_to_error::deserialize(json) {
            Ok(value) => Ok(JsonBody(value)),
            Err(e) => {
                let field = e.path().to_string();
                let inner = e.into_inner();
                if field == "." {
                    // A missing field is reported at the object that lacks it.
                    let message = inner.to_string();
                    let missing = message
                        .strip_prefix("missing field `")
                        .and_then(|rest| rest.split('`').next())
                        .map(str::to_owned);
                    match missing {
                        Some(field) => Err(ApiError::invalid(field, "this field is required")),
                        None => Err(ApiError::invalid("body", message)),
                    }
                } else {
                    Err(ApiError::invalid(field, inner.to_string()))
                }
            }
        }
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
