use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use crate::api::{ErrorBody, Staff, StaffWrite};
use crate::hub::error::ApiError;
use crate::hub::http::{AuthUser, Body, IfMatch, etag_header};
use crate::hub::{HubState, auth};

/// Filters of `GET /api/v1/staff`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StaffQuery {
    /// Only staff at this outlet.
    pub outlet_code: Option<String>,
    /// Extension: with `outlet_code`, include every outlet below it.
    #[serde(default)]
    pub include_sub: bool,
    /// Substring of the name.
    pub name: Option<String>,
    /// At most this many rows (default 500, max 5000).
    pub limit: Option<i64>,
}

fn require_staff_reader(user: &AuthUser) -> Result<(), ApiError> {
    if user.staff.role.can_read_staff() {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// Staff by outlet and/or name (admin).
#[utoipa::path(get, path = "/api/v1/staff", security(("bearer" = [])), params(StaffQuery),
    responses((status = 200, body = [Staff]), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Query(q): Query<StaffQuery>,
) -> Result<Json<Vec<Staff>>, ApiError> {
    require_staff_reader(&user)?;
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let rows = state
        .staff_list(q.outlet_code, q.include_sub, q.name, limit)
        .await?;
    Ok(Json(rows))
}

/// Adds a staff member with a password (admin).
#[utoipa::path(post, path = "/api/v1/staff", request_body = StaffWrite, security(("bearer" = [])),
    responses((status = 201, body = Staff), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Body(w): Body<StaffWrite>,
) -> Result<(StatusCode, HeaderMap, Json<Staff>), ApiError> {
    user.require_admin()?;
    w.staff.check_fields(w.password.as_deref(), true)?;
    let hash = hash_off_thread(&state, w.password.clone()).await?;
    let saved = state
        .staff_create(w.staff, hash.unwrap_or_default())
        .await?;
    Ok((StatusCode::CREATED, etag_header(saved.version), Json(saved)))
}

/// Hashes a new password on the hub's password workers.
async fn hash_off_thread(
    state: &HubState,
    password: Option<String>,
) -> Result<Option<String>, ApiError> {
    match password {
        None => Ok(None),
        Some(p) => state
            .guard
            .password_hash(move |s| auth::hash_password_with(s, &p))
            .await?
            .map(Some)
            .map_err(ApiError::internal),
    }
}

/// Edits a staff member; `password` resets it; `active: false` deactivates
/// (admin, If-Match).
#[utoipa::path(put, path = "/api/v1/staff/{login}", request_body = StaffWrite, security(("bearer" = [])),
    params(("login" = String, Path), ("If-Match" = String, Header, description = "\"<version>\"")),
    responses((status = 200, body = Staff), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Path(login): Path<String>,
    IfMatch(expected): IfMatch,
    Body(mut w): Body<StaffWrite>,
) -> Result<(HeaderMap, Json<Staff>), ApiError> {
    user.require_admin()?;
    w.staff.login = login;
    w.staff.check_fields(w.password.as_deref(), false)?;
    let hash = hash_off_thread(&state, w.password.clone()).await?;
    let saved = state
        .staff_update(w.staff, hash, expected, user.staff.login.clone())
        .await?;
    Ok((etag_header(saved.version), Json(saved)))
}
