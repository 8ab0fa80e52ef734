use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;

use crate::api::{ErrorBody, LoginRequest, SessionResponse, SessionUser};
use crate::hub::error::ApiError;
use crate::hub::http::{AuthUser, Body, ClientAddr};
use crate::hub::{HubState, auth};

/// Logs in; wrong login and wrong password give the same 401. Repeated
/// failures for one login or from one address wait longer each time
/// (429); a deactivated account with the right password is told so (403).
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginRequest,
    responses((status = 200, body = SessionResponse), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "account_deactivated"),
        (status = 429, body = ErrorBody, description = "login_throttled: too many failures, see Retry-After"),
        (status = 503, body = ErrorBody, description = "login_busy: every password worker is busy, see Retry-After")))]
pub async fn login(
    State(state): State<Arc<HubState>>,
    ClientAddr(addr): ClientAddr,
    Body(req): Body<LoginRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let ttl = chrono::Duration::from_std(state.token_ttl).map_err(ApiError::internal)?;
    state.guard.login_allowed(&req.login, addr)?;
    let (stored, staff) = state.login_lookup(req.login.clone()).await?;
    // Argon2 is slow and memory-hungry on purpose: at most one check per
    // password worker, each reusing its own memory and holding no
    // connection, so a storm of logins neither grows memory nor stalls
    // everyone's sync.
    let password = req.password;
    let verified = state
        .guard
        .password_check(move |scratch| {
            let hash = stored
                .as_ref()
                .map_or_else(|| auth::dummy_hash().to_owned(), |(h, _)| h.clone());
            // Always verify, so an unknown login costs the same time.
            auth::verify_password_with(scratch, &password, &hash) && stored.is_some()
        })
        .await?;
    let staff = match staff {
        Some(s) if verified && s.active => s,
        Some(s) if verified => {
            tracing::warn!(target: "order_hub::audit", login = %s.login, addr = ?addr,
                at = %Utc::now().to_rfc3339(), "login refused: account deactivated");
            return Err(ApiError::new(StatusCode::FORBIDDEN, "account_deactivated"));
        }
        _ => {
            state.guard.login_failed(&req.login, addr);
            tracing::warn!(target: "order_hub::audit", login = %req.login, addr = ?addr,
                at = %Utc::now().to_rfc3339(), "login failed");
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials"));
        }
    };
    state.guard.login_succeeded(&staff.login);
    let token = auth::new_token();
    let expires_at = Utc::now() + ttl;
    state
        .insert_session(token.clone(), staff.login.clone(), expires_at)
        .await?;
    Ok(Json(SessionResponse {
        token,
        expires_at,
        user: SessionUser {
            login: staff.login,
            name: staff.name,
            outlet_code: staff.outlet_code,
            role: staff.role,
        },
    }))
}

/// Logs out: the token stops working at once.
#[utoipa::path(delete, path = "/api/v1/session", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
) -> Result<StatusCode, ApiError> {
    state.delete_session(user.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
