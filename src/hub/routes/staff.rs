use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use crate::api::{ErrorBody, Staff, StaffWrite};
use crate::domain::{OutletTree, Role, RuleError};
use crate::hub::error::ApiError;
use crate::hub::http::{AuthUser, Body, IfMatch, etag_header};
use crate::hub::{HubState, auth, db};

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
        .read(move |c| {
            let codes = match q.outlet_code.as_deref().filter(|s| !s.is_empty()) {
                None => None,
                Some(code) if q.include_sub => {
                    let mut v: Vec<String> = OutletTree::new(db::outlets(c)?)
                        .subtree(code)
                        .into_iter()
                        .collect();
                    v.sort();
                    Some(v)
                }
                Some(code) => Some(vec![code.to_owned()]),
            };
            Ok(db::staff_query(
                c,
                codes.as_deref(),
                q.name.as_deref(),
                limit,
            )?)
        })
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
    let staff = w.staff;
    let saved = state
        .db(move |c| {
            let tx = c.transaction()?;
            if db::outlet(&tx, &staff.outlet_code)?.is_none() {
                return Err(RuleError::field("outlet_code", "unknown_outlet").into());
            }
            if db::staff(&tx, &staff.login)?.is_some() {
                return Err(RuleError::Duplicate {
                    field: "login".into(),
                }
                .into());
            }
            db::insert_staff(&tx, &staff, hash.as_deref().unwrap_or_default())?;
            let saved = db::staff(&tx, &staff.login)?.ok_or_else(ApiError::not_found)?;
            tx.commit()?;
            Ok(saved)
        })
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
    let caller = user.staff.login.clone();
    let staff = w.staff;
    let saved = state
        .db(move |c| {
            let tx = c.transaction()?;
            let current = db::staff(&tx, &staff.login)?.ok_or_else(ApiError::not_found)?;
            if current.version != expected {
                let mut e = ApiError::new(StatusCode::PRECONDITION_FAILED, "version_moved");
                e.current = serde_json::to_value(&current).ok();
                return Err(e);
            }
            if db::outlet(&tx, &staff.outlet_code)?.is_none() {
                return Err(RuleError::field("outlet_code", "unknown_outlet").into());
            }
            let stays_admin = staff.role == Role::Admin && staff.active;
            if current.role == Role::Admin
                && !stays_admin
                && db::other_active_admins(&tx, &staff.login)? == 0
            {
                return Err(RuleError::field("role", "last_admin").into());
            }
            if !db::update_staff(&tx, &staff, hash.as_deref(), expected)? {
                return Err(ApiError::new(
                    StatusCode::PRECONDITION_FAILED,
                    "version_moved",
                ));
            }
            // A deactivated user, a changed role or a reset password ends
            // that person's sessions elsewhere.
            let access_changed = hash.is_some() || !staff.active || staff.role != current.role;
            if access_changed && staff.login != caller {
                db::delete_sessions_of(&tx, &staff.login)?;
            }
            let saved = db::staff(&tx, &staff.login)?.ok_or_else(ApiError::not_found)?;
            tx.commit()?;
            Ok(saved)
        })
        .await?;
    Ok((etag_header(saved.version), Json(saved)))
}
