//! What every answer and every connection gets whatever the route: security headers, a
//! bound on the body of routes that read none, a bound on the time to answer, and the
//! limits of the HTTP/1 connection itself (header size, time to send the headers).
//!
//! - **Headers.** A Content-Security-Policy that allows scripts, styles, fonts and data
//!   from this server only (no inline script or style, no `eval`), with what MapLibre
//!   GL JS needs besides: its worker from a `blob:` URL and images from `data:` and
//!   `blob:`; frames refused (`frame-ancestors 'none'` and `X-Frame-Options: DENY`),
//!   `X-Content-Type-Options: nosniff`, and `Referrer-Policy: same-origin`. Not
//!   `no-referrer`: under it browsers send `Origin: null` with a page's own POSTs, which
//!   [`crate::participation`] refuses as coming from another site; `same-origin` sends
//!   nothing to other sites all the same.
//! - **A basemap.** `web/config.json` may name an external basemap style
//!   (`basemapStyle`): its origin is then allowed to be fetched (`connect-src`, and
//!   `img-src` for its sprites), with the origins of its tiles and glyphs listed in
//!   `basemapOrigins` (`["https://tiles.example.org"]`). The file is read when the
//!   server starts.
//! - **Bodies.** The routes that read no body refuse one of more than
//!   [`NO_BODY_LIMIT`] with a 413; the participation routes have their own limits.
//! - **Time.** An answer not begun within [`HttpLimits::request_timeout`] is a 503 (an
//!   upload, a body over 64 KiB, gets [`HttpLimits::upload_timeout`]). A streamed export
//!   is under way once its headers are sent: its body is not timed.
//! - **Connections** (see [`crate::serve`]): the request line and headers must arrive
//!   within [`HttpLimits::header_read_timeout`] and hold at most
//!   [`HttpLimits::max_header_bytes`] (beyond: 431), so a client trickling its headers
//!   cannot keep a connection.

use std::path::Path;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::ApiError;

/// The largest body a route that reads none takes (a stray form, a proxy's padding).
pub const NO_BODY_LIMIT: usize = 16 * 1024;

/// A body larger than this is an upload, which gets [`HttpLimits::upload_timeout`].
const UPLOAD_FROM: u64 = 64 * 1024;

/// The limits of each connection and request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Time for a client to send a request's line and headers, from its first byte (or
    /// from the connection, or the end of the previous answer); then the connection is
    /// closed.
    pub header_read_timeout: Duration,
    /// The request line and headers together, in bytes; more is a 431.
    pub max_header_bytes: usize,
    /// Headers in a request; more is a 431.
    pub max_headers: usize,
    /// Time to begin an answer (its status and headers), the body read included.
    pub request_timeout: Duration,
    /// The same for a request whose body is over 64 KiB (a photo).
    pub upload_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> HttpLimits {
        HttpLimits {
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 32 * 1024,
            max_headers: 100,
            request_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(120),
        }
    }
}

/// The Content-Security-Policy, allowing `extra_origins` (a basemap's) to be fetched
/// and drawn besides this server.
pub fn content_security_policy(extra_origins: &[String]) -> String {
    let extra: String = extra_origins.iter().map(|o| format!(" {o}")).collect();
    [
        "default-src 'none'".to_owned(),
        "script-src 'self'".to_owned(),
        "style-src 'self'".to_owned(),
        format!("img-src 'self' data: blob:{extra}"),
        "font-src 'self'".to_owned(),
        format!("connect-src 'self'{extra}"),
        "worker-src 'self' blob:".to_owned(),
        "child-src blob:".to_owned(),
        "manifest-src 'self'".to_owned(),
        "form-action 'self'".to_owned(),
        "base-uri 'none'".to_owned(),
        "frame-ancestors 'none'".to_owned(),
    ]
    .join("; ")
}

/// The origins `web/config.json` allows: that of `basemapStyle` and those listed in
/// `basemapOrigins`, each `scheme://host[:port]` of http or https; anything else in the
/// file is ignored (and logged).
pub fn basemap_origins(web_dir: &Path) -> Vec<String> {
    let path = web_dir.join("config.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Vec::new();
    };
    let config: serde_json::Value = match serde_json::from_str(&text) {
        Ok(config) => config,
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "web configuration is not JSON");
            return Vec::new();
        }
    };
    let style = config.get("basemapStyle").and_then(|v| v.as_str());
    let listed = config
        .get("basemapOrigins")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str());
    let mut origins: Vec<String> = Vec::new();
    for url in style.into_iter().chain(listed) {
        match origin_of(url) {
            Some(origin) if !origins.contains(&origin) => origins.push(origin),
            Some(_) => {}
            None => {
                tracing::warn!(file = %path.display(), url, "not an http(s) URL: not allowed by the Content-Security-Policy")
            }
        }
    }
    origins
}

/// `https://tiles.example.org:8443/style.json` → `https://tiles.example.org:8443`;
/// `None` for anything but an http(s) URL with a plain host.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let well_formed = !authority.is_empty()
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    well_formed.then(|| format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// The security headers on every answer (a handler's own header of the same name is
/// kept).
pub fn security_headers(router: Router, web_dir: &Path) -> Router {
    let csp = content_security_policy(&basemap_origins(web_dir));
    let csp = HeaderValue::from_str(&csp).unwrap_or_else(|e| {
        // Only checked origins go into it: this is a defect.
        tracing::error!(error = %e, "Content-Security-Policy not valid as a header; the strict one is used");
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'")
    });
    let set =
        |name: HeaderName, value: HeaderValue| SetResponseHeaderLayer::if_not_present(name, value);
    router
        .layer(set(header::CONTENT_SECURITY_POLICY, csp))
        .layer(set(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(set(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(set(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}

/// The body's length as the request declares it.
fn declared_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

/// For routes that read no body: one declared larger than [`NO_BODY_LIMIT`] is a 413
/// before the handler runs. (A chunked one is never read: the connection is closed
/// after the answer.)
pub async fn refuse_bodies(request: Request, next: Next) -> Response {
    match declared_length(&request) {
        Some(length) if length > NO_BODY_LIMIT as u64 => ApiError::TooLarge(format!(
            "this route takes no body; {length} bytes sent, at most {} KiB taken",
            NO_BODY_LIMIT / 1024
        ))
        .into_response(),
        _ => next.run(request).await,
    }
}

/// An answer not begun within the request's bound is a 503; the handler (and its
/// query) is dropped.
pub async fn time_limit(limits: HttpLimits, request: Request, next: Next) -> Response {
    let bound = match declared_length(&request) {
        Some(length) if length > UPLOAD_FROM => limits.upload_timeout,
        _ => limits.request_timeout,
    };
    match tokio::time::timeout(bound, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::TimedOut {
            seconds: bound.as_secs(),
        }
        .into_response(),
    }
}

/// The time limit as a layer of the whole router.
pub fn with_time_limit(router: Router, limits: HttpLimits) -> Router {
    router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| time_limit(limits, request, next),
    ))
}

/// The HTTP/1 connection settings of [`HttpLimits`].
pub fn http1_builder(limits: &HttpLimits) -> hyper::server::conn::http1::Builder {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_headers(limits.max_headers)
        .max_header_size(limits.max_header_bytes)
        // The read buffer holds the headers: no larger than they may be, but at least
        // hyper's minimum.
        .max_buf_size(limits.max_header_bytes.max(8192 + 4096));
    builder
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    #[test]
    fn the_policy_allows_no_inline_script_and_no_framing() {
        let csp = content_security_policy(&[]);
        assert!(!csp.contains("unsafe"), "{csp}");
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("connect-src 'self';"), "{csp}");
        assert!(csp.contains("worker-src 'self' blob:"), "{csp}");
        let with = content_security_policy(&["https://tiles.example.org".to_owned()]);
        assert!(
            with.contains("connect-src 'self' https://tiles.example.org;"),
            "{with}"
        );
        assert!(HeaderValue::from_str(&with).is_ok());
    }

    /// A slow answer is a 503 in JSON at the bound; a streamed body begun in time is not
    /// cut, however long it runs.
    #[tokio::test]
    async fn answers_are_timed_until_they_begin_not_while_they_stream() {
        use axum::routing::get;
        use tower::ServiceExt;

        let limits = HttpLimits {
            request_timeout: Duration::from_millis(100),
            ..HttpLimits::default()
        };
        let slow = || async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        };
        let streamed = || async {
            let chunks = futures::stream::iter(0..4).then(|i| async move {
                tokio::time::sleep(Duration::from_millis(60)).await;
                Ok::<_, std::io::Error>(bytes::Bytes::from(format!("chunk {i}\n")))
            });
            axum::body::Body::from_stream(chunks)
        };
        let app = with_time_limit(
            Router::new()
                .route("/slow", get(slow))
                .route("/streamed", get(streamed)),
            limits,
        );
        let ask = |path: &str| {
            Request::builder()
                .uri(path)
                .body(axum::body::Body::empty())
                .unwrap_or_default()
        };
        let response = app.clone().oneshot(ask("/slow")).await.unwrap_or_default();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap_or_default();
        assert!(String::from_utf8_lossy(&body).contains("\"error\":\"no answer within"));

        let response = app.oneshot(ask("/streamed")).await.unwrap_or_default();
        assert_eq!(response.status(), 200);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap_or_default();
        assert_eq!(
            body.as_ref(),
            b"chunk 0\nchunk 1\nchunk 2\nchunk 3\n".as_slice()
        );
    }

    #[test]
    fn only_http_origins_are_taken_from_the_configuration() {
        assert_eq!(
            origin_of("https://Tiles.Example.org:8443/styles/a.json?key=1").as_deref(),
            Some("https://tiles.example.org:8443")
        );
        assert_eq!(
            origin_of("http://tiles.example.org").as_deref(),
            Some("http://tiles.example.org")
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/plain,x",
            "https://",
            "https://a.example.org;script-src *",
            "https://a b",
            "/relative/style.json",
            "ftp://a.example.org",
        ] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_configuration_names_the_basemap_origins() -> std::io::Result<()> {
        let dir = std::env::temp_dir().join(format!("obs-hardening-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(
            dir.join("config.json"),
            r#"{"basemapStyle":"https://styles.example.org/a.json","basemapOrigins":["https://tiles.example.org","nonsense; script-src *"]}"#,
        )?;
        let origins = basemap_origins(&dir);
        std::fs::remove_dir_all(&dir)?;
        assert_eq!(
            origins,
            ["https://styles.example.org", "https://tiles.example.org"]
        );
        assert!(basemap_origins(Path::new("/nonexistent")).is_empty());
        Ok(())
    }
}
