use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};

use crate::api::{ErrorBody, Outlet, OutletList};
use crate::domain::{OutletKind, OutletTree, RuleError};
use crate::hub::error::ApiError;
use crate::hub::http::{AuthUser, Body, IfMatch, etag_header};
use crate::hub::{HubState, db};

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
    let created = state
        .db(move |c| {
            let tx = c.transaction()?;
            let tree = OutletTree::new(db::outlets(&tx)?);
            tree.check_create(&new)?;
            db::insert_outlet(&tx, &new)?;
            let saved = db::outlet(&tx, &new.code)?.ok_or_else(ApiError::not_found)?;
            tx.commit()?;
            Ok(saved)
        })
        .await?;
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
    let saved = state
        .db(move |c| {
            let tx = c.transaction()?;
            let current = db::outlet(&tx, &new.code)?.ok_or_else(ApiError::not_found)?;
            if current.version != expected {
                return Err(stale(&current));
            }
            let tree = OutletTree::new(db::outlets(&tx)?);
            tree.check_update(&new)?;
            if !db::update_outlet(&tx, &new, expected)? {
                return Err(stale(&current));
            }
            let saved = db::outlet(&tx, &new.code)?.ok_or_else(ApiError::not_found)?;
            tx.commit()?;
            Ok(saved)
        })
        .await?;
    Ok((etag_header(saved.version), Json(saved)))
}

fn stale(current: &Outlet) -> ApiError {
    let mut e = ApiError::new(StatusCode::PRECONDITION_FAILED, "version_moved");
    e.current = serde_json::to_value(current).ok();
    e
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
    state
        .db(move |c| {
            let tx = c.transaction()?;
            let current = db::outlet(&tx, &code)?.ok_or_else(ApiError::not_found)?;
            if current.kind == OutletKind::Hq {
                return Err(RuleError::field("kind", "hq_must_stay").into());
            }
            let attached = db::attached(&tx, &code)?;
            if !attached.is_empty() {
                let mut e = ApiError::new(StatusCode::CONFLICT, "outlet_in_use");
                e.attached = Some(attached);
                return Err(e);
            }
            db::delete_outlet(&tx, &code)?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
