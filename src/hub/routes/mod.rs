//! The routes of API.md; the OpenAPI document is generated from them.

mod health;
mod inbound;
pub(crate) mod orders;
mod outlets;
mod parameters;
mod print_templates;
mod rates;
mod reports;
mod session;
mod staff;
pub(crate) mod waybills;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, localize};
use super::{HubState, shield};

#[derive(OpenApi)]
#[openapi(
    info(title = "order-hub", version = "1", description = "The company's order API for outlet-desk (API.md)."),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Adds the answers every operation can give whatever its handler says
/// (the URI, header and body limits, the throttles, overload, a missing or stale token,
/// a malformed request), so a client reading the document meets no
/// undocumented status; and marks `Idempotency-Key` required.
struct CommonErrors;

impl utoipa::Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{Operation, ParameterIn};
        use utoipa::openapi::{Content, Ref, RefOr, Required, ResponseBuilder};
        let error = |text: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(text)
                    .content(
                        "application/json",
                        Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                    )
                    .build(),
            )
        };
        let add = |op: &mut Operation, code: &str, text: &str| {
            op.responses
                .responses
                .entry(code.to_owned())
                .or_insert_with(|| error(text));
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                (&mut item.get, false),
                (&mut item.put, true),
                (&mut item.post, true),
                (&mut item.delete, true),
            ];
            for (op, writes) in ops {
                let Some(op) = op.as_mut() else { continue };
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                add(op, "400", "malformed request (query, header or body)");
                // The shield answers these before any route is chosen.
                add(op, "414", "uri_too_long: path and query over the limit");
                add(op, "431", "headers_too_large: headers over the limit");
                if secured {
                    add(op, "401", "no token, or an expired one");
                    add(op, "403", "not allowed for this user's role or outlets");
                }
                if writes {
                    add(op, "413", "body_too_large");
                }
                if secured || path == "/api/v1/session" {
                    add(op, "429", "rate_limited / login_throttled: see Retry-After");
                }
                if path != "/healthz" {
                    add(
                        op,
                        "503",
                        "overloaded, storage_full or request_timeout: see Retry-After",
                    );
                }
                for p in op.parameters.iter_mut().flatten() {
                    if let RefOr::T(p) = p
                        && p.parameter_in == ParameterIn::Header
                        && p.name.eq_ignore_ascii_case("Idempotency-Key")
                    {
                        p.required = Required::True;
                    }
                }
            }
        }
    }
}

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
    let limits = state.guard.limits.request.clone();
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(session::login, session::logout))
        .routes(routes!(outlets::list, outlets::create))
        .routes(routes!(outlets::update, outlets::delete))
        .routes(routes!(staff::list, staff::create))
        .routes(routes!(staff::update))
        .routes(routes!(parameters::list))
        .routes(routes!(parameters::update))
        .routes(routes!(print_templates::list))
        .routes(routes!(print_templates::update))
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
        .routes(routes!(reports::ali_conversion))
        .routes(routes!(reports::ali_conversion_orders))
        .with_state(state)
        .split_for_parts();
    // After the routes are in: modifiers of `ApiDoc` run before them.
    let mut api = api;
    utoipa::Modify::modify(&CommonErrors, &mut api);
    let doc = api.clone();
    // Outermost last: `localize` renders every error in the caller's
    // language, so all the others sit inside it.
    let router = router
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || async move { axum::Json(doc) }),
        )
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
        })
        .layer(axum::middleware::from_fn(move |req, next| {
            shield::limit(limits.clone(), req, next)
        }))
        .layer(axum::middleware::from_fn(shield::json_errors))
        .layer(axum::middleware::from_fn(super::http::audit))
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
