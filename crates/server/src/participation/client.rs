//! The client's address, which the rate limits count by.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;

use crate::{ApiError, AppState};

/// The address a request came from: the connection's peer, or, behind a reverse proxy
/// (`Settings::behind_proxy`), the last `X-Forwarded-For` entry (the one the proxy
/// added; earlier ones are the client's to forge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = AppState::from_ref(state);
        if state.settings.behind_proxy {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
                .next_back();
            if let Some(address) = forwarded {
                return Ok(ClientAddress(address));
            }
        }
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| ClientAddress(peer.ip()))
            .ok_or_else(|| {
                ApiError::Internal("the server was started without connection info".to_owned())
            })
    }
}

impl ClientAddress {
    /// The key the counters use: an IPv6 client owns at least a /64, so it counts as one.
    pub fn key(&self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        }
    }
}
