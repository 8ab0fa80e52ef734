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
    let token = v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))?;
    Some(token.trim().to_owned()).filter(|t| !t.is_empty())
}

impl FromRequestParts<Arc<HubState>> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<HubState>,
    ) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        let t = token.clone();
        let found = state
            .read(move |c| Ok(super::db::session_user(c, &t)?))
            .await?;
        match found {
            Some((staff, _)) => Ok(AuthUser { staff, token }),
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
        parts
            .headers
            .get(header::IF_MATCH)
            .and_then(|v| v.to_str().ok())
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
