use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::Utc;

use crate::api::{ErrorBody, InboundOrder};
use crate::domain::{Order, order};
use crate::hub::error::ApiError;
use crate::hub::http::{Body, bearer};
use crate::hub::{HubState, auth, db, intake, orders};

/// A caller holding the upstream (Alibaba side) token.
pub struct Upstream;

impl FromRequestParts<Arc<HubState>> for Upstream {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<HubState>,
    ) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        let stored = state
            .upstream_digest
            .get_or_try_init(|| state.read(|c| Ok(db::meta_get(c, "upstream_token_sha256")?)))
            .await?;
        match stored {
            Some(t) if auth::same_secret(t, &auth::digest(&token)) => Ok(Upstream),
            _ => Err(ApiError::unauthorized()),
        }
    }
}

/// A new order from Alibaba's side; dispatched at once. The same number
/// again answers 200 with the stored order.
#[utoipa::path(post, path = "/api/v1/inbound/orders", request_body = InboundOrder, security(("bearer" = [])),
    responses((status = 201, body = Order), (status = 200, body = Order, description = "already known"),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<Arc<HubState>>,
    _up: Upstream,
    Body(inbound): Body<InboundOrder>,
) -> Result<(StatusCode, Json<Order>), ApiError> {
    let (o, created) = intake::submit(&state, inbound).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(o)))
}

/// The customer cancels (撤销): allowed while pending, 409 once accepted.
#[utoipa::path(post, path = "/api/v1/inbound/orders/{order_no}/cancel", security(("bearer" = [])),
    params(("order_no" = String, Path)),
    responses((status = 200, body = Order), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<Arc<HubState>>,
    _up: Upstream,
    Path(order_no): Path<String>,
) -> Result<Json<Order>, ApiError> {
    let o = state
        .db(move |c| {
            let tx = c.transaction()?;
            let o = orders::get(&tx, &order_no)?.ok_or_else(ApiError::not_found)?;
            if o.status == crate::domain::Status::Cancelled {
                return Ok(o);
            }
            let now = Utc::now();
            let next = match order::cancel(&o, now) {
                Ok(n) => n,
                Err(_) => {
                    let mut e = ApiError::new(StatusCode::CONFLICT, "cancel_too_late")
                        .arg("status", format!("@status.{}", o.status.as_str()));
                    e.order = serde_json::to_value(&o).ok();
                    return Err(e);
                }
            };
            orders::put(&tx, &next)?;
            orders::add_event(
                &tx,
                &o.order_no,
                now,
                "upstream",
                o.current_outlet_code.as_deref(),
                "cancel",
                Some(o.status.as_str()),
                next.status.as_str(),
                None,
                None,
            )?;
            tx.commit()?;
            Ok(next)
        })
        .await?;
    Ok(Json(o))
}
