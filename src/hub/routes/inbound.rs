use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::api::{ErrorBody, InboundOrder};
use crate::domain::Order;
use crate::hub::error::ApiError;
use crate::hub::http::{Body, bearer};
use crate::hub::{HubState, auth, intake};

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
            .get_or_try_init(|| state.upstream_token_digest())
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
    let o = state.inbound_cancel(order_no).await?;
    Ok(Json(o))
}
