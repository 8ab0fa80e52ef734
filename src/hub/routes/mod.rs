//! The routes of API.md; the OpenAPI document is generated from them.

mod health;
mod inbound;
mod orders;
mod outlets;
mod parameters;
mod rates;
mod session;
mod staff;
mod waybills;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::HubState;
use super::error::{ApiError, localize};

#[derive(OpenApi)]
#[openapi(
    info(title = "order-hub", version = "1", description = "The company's order API for outlet-desk (API.md)."),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The full router and its OpenAPI document.
pub fn router(state: Arc<HubState>) -> (Router, utoipa::openapi::OpenApi) {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(session::login, session::logout))
        .routes(routes!(outlets::list, outlets::create))
        .routes(routes!(outlets::update, outlets::delete))
        .routes(routes!(staff::list, staff::create))
        .routes(routes!(staff::update))
        .routes(routes!(parameters::list))
        .routes(routes!(parameters::update))
        .routes(routes!(orders::changes))
        .routes(routes!(orders::list))
        .routes(routes!(orders::get))
        .routes(routes!(orders::events))
        .routes(routes!(orders::action))
        .routes(routes!(inbound::create))
        .routes(routes!(inbound::cancel))
        .routes(routes!(rates::products))
        .routes(routes!(rates::list, rates::create))
        .routes(routes!(rates::update, rates::retire))
        .routes(routes!(rates::import))
        .routes(routes!(rates::export))
        .routes(routes!(waybills::quote))
        .routes(routes!(waybills::get))
        .with_state(state)
        .split_for_parts();
    let doc = api.clone();
    let router = router
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || async move { axum::Json(doc) }),
        )
        .fallback(|| async { ApiError::not_found() })
        .layer(axum::middleware::from_fn(localize));
    (router, api)
}

pub(crate) use waybills::import as import_waybill;

/// Accepts an order as `accepter`, then imports it as `biller` with its
/// logistics number (the demo's 代开: billed by another outlet).
pub(crate) fn accept_and_import(
    tx: &rusqlite::Connection,
    tree: &crate::domain::OutletTree,
    accepter: &crate::domain::Staff,
    biller: &crate::domain::Staff,
    order: &crate::domain::Order,
    accept: &crate::domain::Action,
    draft: &crate::domain::pricing::WaybillDraft,
) -> Result<(), ApiError> {
    orders::act(tx, tree, accepter, &order.order_no, accept)?;
    waybills::import(
        tx,
        tree,
        biller,
        &order.order_no,
        draft,
        Some(&order.logistics_no),
        None,
    )?;
    Ok(())
}

/// 405 in our error format (axum's default has an empty body).
#[allow(dead_code)]
fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
}
