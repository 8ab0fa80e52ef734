use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;

use crate::api::{ErrorBody, Health};
use crate::hub::error::ApiError;
use crate::hub::{HubState, db};

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
    let probe = match &state.storage {
        crate::hub::storage::Storage::Postgres(p) => p.ready_probe().await,
        crate::hub::storage::Storage::Sqlite(_) => sqlite_probe(&state).await,
    };
    probe.map_err(|e| {
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

/// hub.db takes a write and has room for more.
async fn sqlite_probe(state: &HubState) -> Result<(), ApiError> {
    state
        .db(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            db::meta_set(&tx, "ready_probe", &Utc::now().to_rfc3339())?;
            tx.commit()?;
            if db::nearly_full(c)? {
                let mut e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_full");
                e.retry_after = Some(60);
                return Err(e);
            }
            Ok(())
        })
        .await
}
