use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};

use crate::api::{ErrorBody, Outlet, OutletList};
use crate::hub::HubState;
use crate::hub::error::ApiError;
use crate::hub::http::{AuthUser, Body, IfMatch, etag_header};

/// `GET /api/v1/outlets` filter.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// A revision this client already has: only what changed after it
    /// (`full: false`), or the whole list when it is too old.
    #[param(minimum = 0)]
    pub since: Option<i64>,
}

/// The whole network with its revision, or what changed since a revision.
/// Every logged-in user may read it.
#[utoipa::path(get, path = "/api/v1/outlets", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = OutletList), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<Arc<HubState>>,
    _user: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<OutletList>, ApiError> {
    // The schema's minimum: a negative revision is a malformed query.
    if q.since.is_some_and(|s| s < 0) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query"));
    }
    let list = state.outlet_list(q.since).await?;
    Ok(Json(list))
}

/// Adds an outlet (admin).
#[utoipa::path(post, path = "/api/v1/outlets", request_body = Outlet, security(("bearer" = [])),
    responses((status = 201, body = Outlet), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Body(new): Body<Outlet>,
) -> Result<(StatusCode, HeaderMap, Json<Outlet>), ApiError> {
    user.require_admin()?;
    let created = state.outlet_create(new).await?;
    Ok((
        StatusCode::CREATED,
        etag_header(created.version),
        Json(created),
    ))
}

/// Replaces an outlet if `If-Match` still names its version (admin).
#[utoipa::path(put, path = "/api/v1/outlets/{code}", request_body = Outlet, security(("bearer" = [])),
    params(("code" = String, Path), ("If-Match" = String, Header, description = "\"<version>\"")),
    responses((status = 200, body = Outlet), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Path(code): Path<String>,
    IfMatch(expected): IfMatch,
    Body(mut new): Body<Outlet>,
) -> Result<(HeaderMap, Json<Outlet>), ApiError> {
    user.require_admin()?;
    new.code = code;
    let saved = state.outlet_update(new, expected).await?;
    Ok((etag_header(saved.version), Json(saved)))
}

/// Deletes an outlet with nothing attached; 409 `outlet_in_use` says what
/// is (admin).
#[utoipa::path(delete, path = "/api/v1/outlets/{code}", security(("bearer" = [])),
    params(("code" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "hq_must_stay: HQ cannot be deleted")))]
pub async fn delete(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Path(code): Path<String>,
) -> Result<StatusCode, ApiError> {
    user.require_admin()?;
    state.outlet_delete(code).await?;
    Ok(StatusCode::NO_CONTENT)
}
