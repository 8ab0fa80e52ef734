use axum::Json;
use chrono::Utc;

use crate::api::Health;

/// Liveness, no auth.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        server_time: Utc::now(),
    })
}
