use std::borrow::Cow;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// An error answered to a client, one variant per status a client can act on. Database
/// failures are logged in full and answered with a generic message: their text can
/// reveal the schema or the data.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be read (malformed JSON, a query parameter of the wrong
    /// form).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no session, an expired one, or a wrong user name or password.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the session's role may not do this, or the request came from another site.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// 409: the request is valid but contradicts what is stored (already decided,
    /// already supported, a call that is closed).
    #[error("{message}")]
    Conflict {
        field: Option<Cow<'static, str>>,
        message: String,
    },
    /// 422: a field's value is refused; the answer names the field.
    #[error("{field}: {message}")]
    Invalid {
        field: Cow<'static, str>,
        message: String,
    },
    /// 413: the body is larger than this route takes.
    #[error("{0}")]
    TooLarge(String),
    /// 429: too many requests of this kind from this address; retry after so many seconds.
    #[error("too many requests of this kind from your address; try again in {retry_after_s} s")]
    TooManyRequests { retry_after_s: u64 },
    /// 503: the database did not answer (down, restarting, every connection busy), or
    /// gave up a statement that the same request, sent again, would pass.
    #[error("database unavailable")]
    Unavailable(sqlx::Error),
    /// 503: the answer was not begun within the request's time limit.
    #[error("no answer within {seconds} s; try again later, or ask for less (a smaller bbox, a lower limit)")]
    TimedOut { seconds: u64 },
    /// 500: a defect of the server or of the data it read, logged in full.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// A refused field value (422).
    pub fn invalid(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        ApiError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A conflict with what is stored (409).
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::Conflict {
            field: None,
            message: message.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::TimedOut { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Constraint violations are the client's (named by field: constraints are called
/// `<table>_<field>_<rule>`, migration 0018); a database that does not answer is a 503;
/// anything else the database says is the server's defect (500).
impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) => {
                let field = db
                    .constraint()
                    .map(constraint_field)
                    .or_else(|| {
                        db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                            .and_then(|pg| pg.column())
                            .map(str::to_owned)
                    })
                    .unwrap_or_else(|| "request".to_owned());
                match db.kind() {
                    sqlx::error::ErrorKind::UniqueViolation => ApiError::Conflict {
                        message: format!("{field}: this value is already taken"),
                        field: Some(field.into()),
                    },
                    sqlx::error::ErrorKind::ForeignKeyViolation => ApiError::Invalid {
                        message: "refers to nothing known".to_owned(),
                        field: field.into(),
                    },
                    sqlx::error::ErrorKind::CheckViolation
                    | sqlx::error::ErrorKind::NotNullViolation => ApiError::Invalid {
                        message: "this value is not allowed here; see the API description"
                            .to_owned(),
                        field: field.into(),
                    },
                    // SQLSTATE class 22: a value the column cannot hold.
                    _ if db.code().is_some_and(|c| c.starts_with("22")) => ApiError::Invalid {
                        message: "this value cannot be stored; see the API description".to_owned(),
                        field: field.into(),
                    },
                    _ if db.code().is_some_and(|c| worth_retrying(&c)) => ApiError::Unavailable(e),
                    // Class 57 (operator intervention: shutdown, cancelled) and 08
                    // (connection): the database is going away or restarting.
                    _ if db
                        .code()
                        .is_some_and(|c| c.starts_with("57") || c.starts_with("08")) =>
                    {
                        // 57014 is a statement cut by its timeout: the connection lives.
                        if db.code().as_deref() != Some("57014") {
                            observatory_core::database::connection_lost();
                        }
                        ApiError::Unavailable(e)
                    }
                    _ => ApiError::Internal(format!("database error: {e}")),
                }
            }
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Protocol(_) => {
                observatory_core::database::connection_lost();
                ApiError::Unavailable(e)
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => ApiError::Unavailable(e),
            _ => ApiError::Internal(format!("database error: {e}")),
        }
    }
}

/// SQLSTATE class 40, transaction rollback: a deadlock, a serialization failure, or a
/// standby's recovery conflict (a query cancelled because the standby had to replay a
/// change that removed rows the query read, or locked a table it read). Nothing was
/// written, and the same request sent again is unlikely to meet it.
fn worth_retrying(code: &str) -> bool {
    code.starts_with("40")
}

/// `idea_title_length` → `title`: the table's name is the constraint's first word(s)
/// up to the field, the rule its last word.
fn constraint_field(constraint: &str) -> String {
    const TABLES: [&str; 11] = [
        "account_session_",
        "account_",
        "contribution_",
        "service_report_",
        "idea_",
        "call_",
        "project_idea_",
        "photo_",
        "discovery_day_",
        "support_",
        "needs_",
    ];
    let rest = TABLES
        .iter()
        .find_map(|t| constraint.strip_prefix(t))
        .unwrap_or(constraint);
    match rest.rsplit_once('_') {
        Some((field, _rule)) => field.to_owned(),
        None => rest.to_owned(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Unavailable(e) => tracing::error!(error = %e, "database unavailable"),
            ApiError::Internal(e) => tracing::error!(error = %e, "internal error"),
            ApiError::TimedOut { seconds } => {
                tracing::warn!(seconds, "a request was not answered in time")
            }
            _ => {}
        }
        let (error, field) = match &self {
            ApiError::Unavailable(_) => (
                "the database could not answer; try again in a few seconds".to_owned(),
                None,
            ),
            ApiError::Internal(_) => (
                "the server could not build this answer; the reason is in its log".to_owned(),
                None,
            ),
            ApiError::Invalid { field, .. } => (self.to_string(), Some(field.to_string())),
            ApiError::Conflict { field, .. } => {
                (self.to_string(), field.as_ref().map(|f| f.to_string()))
            }
            other => (other.to_string(), None),
        };
        let mut response = (status, Json(ErrorBody { error, field })).into_response();
        let retry_after = match &self {
            ApiError::TooManyRequests { retry_after_s } => Some(*retry_after_s),
            ApiError::Unavailable(_) | ApiError::TimedOut { .. } => Some(5),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong and what to do, e.g. `query parameter bbox: 3 numbers given; give
    /// four: minlon,minlat,maxlon,maxlat (CRS84)`.
    pub error: String,
    /// The field refused, for 409 and 422 answers (`title`, `longitude`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::{constraint_field, worth_retrying};

    #[test]
    fn a_conflict_with_recovery_is_worth_retrying() {
        // 40001: "canceling statement due to conflict with recovery" on a standby.
        assert!(worth_retrying("40001"));
        assert!(worth_retrying("40P01"));
        assert!(!worth_retrying("23505"));
        assert!(!worth_retrying("57014"));
    }

    #[test]
    fn constraints_name_their_field() {
        assert_eq!(constraint_field("idea_title_length"), "title");
        assert_eq!(
            constraint_field("contribution_contact_email_length"),
            "contact_email"
        );
        assert_eq!(
            constraint_field("project_idea_description_length"),
            "description"
        );
        assert_eq!(constraint_field("account_username_unique"), "username");
        assert_eq!(constraint_field("photo_year_range"), "year");
    }
}
