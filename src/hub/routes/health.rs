use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;

use crate::api::{ErrorBody, Health};
use crate::hub::HubState;
use crate::hub::error::ApiError;

/// Liveness, no auth: the process answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        server_time: Utc::now(),
    })
}

/// Readiness, no auth: the database takes a write and has room for more.
/// A load balancer stops sending clients here while it answers 503.
#[utoipa::path(get, path = "/readyz",
    responses((status = 200, body = Health),
        (status = 503, body = ErrorBody, description = "storage_full, overloaded, or the database cannot write")))]
pub async fn readyz(State(state): State<Arc<HubState>>) -> Result<Json<Health>, ApiError> {
    state.ready_probe().await.map_err(|e| {
        if e.status.is_server_error() {
            // Whatever broke, the answer is "not ready", never a 500.
            let code = match e.code.as_str() {
                "storage_full" | "overloaded" => e.code.as_str(),
                _ => "not_ready",
            };
            let mut r = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code);
            r.retry_after = e.retry_after.or(Some(5));
            r
        } else {
            e
        }
    })?;
    Ok(Json(Health {
        status: "ready".into(),
        server_time: Utc::now(),
    }))
}
