use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;

use crate::api::{ErrorBody, LoginRequest, SessionResponse, SessionUser};
use crate::hub::error::ApiError;
use crate::hub::http::{AuthUser, Body};
use crate::hub::{HubState, auth, db};

/// Logs in; wrong login and wrong password give the same 401.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginRequest,
    responses((status = 200, body = SessionResponse), (status = 401, body = ErrorBody)))]
pub async fn login(
    State(state): State<Arc<HubState>>,
    Body(req): Body<LoginRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let ttl = chrono::Duration::from_std(state.token_ttl).map_err(ApiError::internal)?;
    let login = req.login.clone();
    let (stored, staff) = state
        .read(move |c| Ok((db::password_hash(c, &login)?, db::staff(c, &login)?)))
        .await?;
    // Argon2 is slow on purpose: verify on a blocking thread holding no
    // connection, so a morning of logins does not stall everyone's sync.
    let ok = tokio::task::spawn_blocking(move || {
        let (hash, active) = stored
            .clone()
            .unwrap_or_else(|| (auth::dummy_hash().to_owned(), false));
        // Always verify, so an unknown login costs the same time.
        auth::verify_password(&req.password, &hash) && active && stored.is_some()
    })
    .await
    .map_err(ApiError::internal)?;
    let staff = match staff {
        Some(s) if ok => s,
        _ => return Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials")),
    };
    let resp = state
        .db(move |c| {
            let token = auth::new_token();
            let expires_at = Utc::now() + ttl;
            db::insert_session(c, &token, &staff.login, expires_at)?;
            Ok(SessionResponse {
                token,
                expires_at,
                user: SessionUser {
                    login: staff.login,
                    name: staff.name,
                    outlet_code: staff.outlet_code,
                    role: staff.role,
                },
            })
        })
        .await?;
    Ok(Json(resp))
}

/// Logs out: the token stops working at once.
#[utoipa::path(delete, path = "/api/v1/session", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
) -> Result<StatusCode, ApiError> {
    state
        .db(move |c| Ok(db::delete_session(c, &user.token)?))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
