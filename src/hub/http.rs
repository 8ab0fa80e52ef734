//! Request extractors: JSON bodies with our error format, the bearer
//! session, `If-Match`.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::HubState;
use super::error::ApiError;
use crate::api::parse_etag;
use crate::domain::{Role, Staff};
use crate::i18n::Lang;

/// A JSON body; malformed JSON and wrong shapes are 400 in our format.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(JsonRejection::JsonDataError(e)) => {
                Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_body").detail(e.body_text()))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::new(StatusCode::BAD_REQUEST, "json_required"))
            }
            Err(e) => {
                Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed_json").detail(e.body_text()))
            }
        }
    }
}

/// The caller's address, when the server knows it (not behind a proxy
/// that hides it).
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_ip(&parts.extensions)))
    }
}

fn client_ip(ext: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    ext.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Where the user extractor leaves the login, for the audit line.
#[derive(Clone, Default)]
struct AuditLogin(Arc<std::sync::Mutex<Option<String>>>);

/// Middleware: every 403 is logged with who, from where, what and when
/// (RELIABILITY G5: an abuser must leave a trace).
pub async fn audit(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let slot = AuditLogin::default();
    req.extensions_mut().insert(slot.clone());
    let addr = client_ip(req.extensions());
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let resp = next.run(req).await;
    if resp.status() == StatusCode::FORBIDDEN {
        let login = slot
            .0
            .lock()
            .ok()
            .and_then(|l| l.clone())
            .unwrap_or_default();
        tracing::warn!(
            target: "order_hub::audit",
            login = %login,
            addr = ?addr,
            at = %chrono::Utc::now().to_rfc3339(),
            "forbidden: {method} {path}"
        );
    }
    resp
}

/// The logged-in staff member behind the bearer token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub staff: Staff,
    pub token: String,
}

impl AuthUser {
    /// 403 unless the user is an administrator.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.staff.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// The token from `Authorization: Bearer …`.
pub fn bearer(parts: &Parts) -> Option<String> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    let (scheme, token) = v.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    Some(token.trim().to_owned()).filter(|t| !t.is_empty())
}

impl FromRequestParts<Arc<HubState>> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<HubState>,
    ) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        match state.session_user(token.clone()).await? {
            Some(staff) => {
                if let Some(slot) = parts.extensions.get::<AuditLogin>()
                    && let Ok(mut l) = slot.0.lock()
                {
                    *l = Some(staff.login.clone());
                }
                // Writes are rationed per user, so one account cannot fill
                // the disk or starve everyone else's actions.
                if !matches!(
                    parts.method,
                    axum::http::Method::GET | axum::http::Method::HEAD
                ) {
                    state.guard.write_allowed(&staff.login)?;
                }
                Ok(AuthUser { staff, token })
            }
            None => Err(ApiError::unauthorized()),
        }
    }
}

/// An `ETag` header carrying `version`, for answers to writes.
pub fn etag_header(version: i64) -> axum::http::HeaderMap {
    let mut h = axum::http::HeaderMap::new();
    if let Ok(v) = axum::http::HeaderValue::from_str(&crate::api::etag(version)) {
        h.insert(header::ETAG, v);
    }
    h
}

/// The version in `If-Match`, required on PUT.
pub struct IfMatch(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::IF_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::trim);
        // If-Match compares strongly (RFC 9110 §13.1.1): a weak tag could
        // never match, so it is refused as a malformed request rather than
        // read as the version it names.
        if value.is_some_and(|v| v.starts_with("W/")) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "weak_etag_not_allowed",
            ));
        }
        value
            .and_then(parse_etag)
            .map(IfMatch)
            .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "if_match_required"))
    }
}

/// The request's language, for texts inside successful answers.
pub struct ReqLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ReqLang(Lang::from_accept_language(
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )))
    }
}
