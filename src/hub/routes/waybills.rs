//! 开单: quotes, the `import_waybill` action and issued waybills (SPEC 3.5).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use rusqlite::Connection;

use crate::api::{ErrorBody, Quote, QuoteRequest, Waybill};
use crate::domain::order::{self, AcceptFields, Action, ActionContext, ActionError};
use crate::domain::pricing::{self, QuoteError, WaybillDraft};
use crate::domain::visibility;
use crate::domain::{FieldError, Order, OutletTree, Staff, Status};
use crate::hub::error::ApiError;
use crate::hub::http::{AuthUser, Body, ReqLang};
use crate::hub::routes::orders::Refused;
use crate::hub::{HubState, db, orders, pricing_store};
use crate::i18n::{self, Lang};

/// A pricing refusal as an API error: 422 with the field named.
pub(crate) fn quote_error(e: QuoteError) -> ApiError {
    match e {
        QuoteError::Invalid(r) => r.into(),
        QuoteError::NoRate { route } => {
            let mut err =
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_rate").arg("route", route);
            err.fields = vec![FieldError::new("dest_city", "no_rate")];
            err
        }
    }
}

/// Puts the quote's reasons into words in `lang` (the domain leaves keys).
pub(crate) fn localize(q: &mut Quote, lang: Lang) {
    for d in &mut q.discounts {
        d.reason = i18n::t(lang, &d.code.reason_key());
    }
}

/// Prices `draft` for the caller's outlet as of now, on the stored card
/// and parameters.
fn price(
    c: &Connection,
    tree: &OutletTree,
    user: &Staff,
    draft: &WaybillDraft,
) -> Result<Quote, ApiError> {
    let products = pricing_store::products(c)?;
    let card = pricing_store::route_card(c, &draft.product_code, &draft.dest_province)?;
    let params = pricing_store::price_params(c)?;
    quote_on(tree, user, draft, &products, &card, &params)
}

/// Prices `draft` for the caller's outlet as of now on `card`.
pub(crate) fn quote_on(
    tree: &OutletTree,
    user: &Staff,
    draft: &WaybillDraft,
    products: &[pricing::Product],
    card: &pricing::RateCard,
    params: &pricing::PriceParams,
) -> Result<Quote, ApiError> {
    let outlet = tree
        .get(&user.outlet_code)
        .ok_or_else(ApiError::forbidden)?;
    pricing::quote(
        draft,
        outlet,
        card,
        products,
        params,
        pricing::pricing_day(Utc::now()),
    )
    .map_err(quote_error)
}

/// Prices a draft for the caller's outlet; stores nothing.
#[utoipa::path(post, path = "/api/v1/waybills/quote", request_body = QuoteRequest, security(("bearer" = [])),
    responses((status = 200, body = Quote), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "invalid_fields, or no_rate naming the route")))]
pub async fn quote(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    ReqLang(lang): ReqLang,
    Body(req): Body<QuoteRequest>,
) -> Result<Json<Quote>, ApiError> {
    let draft = req.waybill;
    let inputs = state
        .price_inputs(
            req.order_no,
            draft.product_code.clone(),
            draft.dest_province.clone(),
        )
        .await?;
    let mut q = quote_on(
        &inputs.tree,
        &user.staff,
        &draft,
        &inputs.products,
        &inputs.card,
        &inputs.params,
    )?;
    localize(&mut q, lang);
    Ok(Json(q))
}

/// An issued waybill: what was entered, what it was priced at, who billed
/// it. Visible to the billing outlet's and the order's subtrees.
#[utoipa::path(get, path = "/api/v1/waybills/{waybill_no}", security(("bearer" = [])),
    params(("waybill_no" = String, Path)),
    responses((status = 200, body = Waybill), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    ReqLang(lang): ReqLang,
    Path(no): Path<String>,
) -> Result<Json<Waybill>, ApiError> {
    let (mut w, o, tree) = state.waybill_with_order(no).await?;
    // Outside both subtrees it answers like an unknown number.
    if !visibility::user_scope(&user.staff.outlet_code, &tree).sees(&o, &tree) {
        return Err(ApiError::not_found());
    }
    localize(&mut w.quote, lang);
    Ok(Json(w))
}

/// `import_waybill` (inside the action's transaction, which also keeps
/// the idempotency key): checks everything first, then accepts a pending
/// order (its own event), bills it and stores the waybill. Nothing is
/// written unless all of it is.
pub(crate) fn import(
    tx: &Connection,
    tree: &OutletTree,
    user: &Staff,
    order_no: &str,
    draft: &WaybillDraft,
    logistics_no: Option<&str>,
    accept: Option<&AcceptFields>,
) -> Result<Order, ApiError> {
    let (o, pending_here) = billable(tx, tree, user, order_no, logistics_no)?;
    let products = pricing_store::products(tx)?;
    draft.check(&products, &pricing_store::number_pattern(tx)?)?;
    if pricing_store::waybill_no_taken(tx, &draft.waybill_no)? {
        return Err(waybill_no_taken());
    }
    let mut quote = price(tx, tree, user, draft)?;
    localize(&mut quote, Lang::ZhCn);
    let accept_action = pending_here
        .then(|| accept_first(&o, draft, accept, user))
        .transpose()?;

    // Everything checked: write.
    let current = match accept_action {
        Some(a) => super::orders::act(tx, tree, user, order_no, &a)?,
        None => o,
    };
    let now = Utc::now();
    let b = match bill(&current, draft, quote, user, now, db::params_revision(tx)?) {
        Ok(b) => b,
        Err(Refused::State) => return Err(super::orders::conflict(tx, &current)?),
        Err(Refused::Other(e)) => return Err(e),
    };
    orders::put(tx, &b.order)?;
    orders::add_event(
        tx,
        order_no,
        now,
        &user.login,
        Some(&user.outlet_code),
        "import_waybill",
        Some(b.from.as_str()),
        b.to.as_str(),
        None,
        Some(&b.waybill.draft.waybill_no),
    )?;
    pricing_store::insert_waybill(tx, &b.waybill)?;
    Ok(b.order)
}

/// 409 `waybill_no_taken`.
pub(crate) fn waybill_no_taken() -> ApiError {
    let mut e = ApiError::new(StatusCode::CONFLICT, "waybill_no_taken");
    e.fields = vec![FieldError::new("waybill_no", "waybill_no_taken")];
    e
}

/// An order billed: the order as stored after it, its waybill, and the
/// status it went from and to.
pub(crate) struct Billed {
    pub order: Order,
    pub waybill: Waybill,
    pub from: Status,
    pub to: Status,
}

/// `current` billed by `user` on `quote` (both engines), or why not.
pub(crate) fn bill(
    current: &Order,
    draft: &WaybillDraft,
    quote: Quote,
    user: &Staff,
    now: chrono::DateTime<Utc>,
    params_revision: i64,
) -> Result<Billed, Refused> {
    let action = Action::ImportWaybill {
        waybill: Box::new(draft.clone()),
        logistics_no: None,
        accept: None,
    };
    let t = match order::apply(current, &action, &context(user, &[], now)) {
        Ok(t) => t,
        Err(ActionError::State(_)) => return Err(Refused::State),
        Err(ActionError::Role) => return Err(Refused::Other(ApiError::forbidden())),
        Err(ActionError::Rule(r)) => return Err(Refused::Other(r.into())),
    };
    let waybill = Waybill {
        order_no: current.order_no.clone(),
        draft: draft.clone(),
        quote,
        billing_outlet_code: user.outlet_code.clone(),
        billed_by: user.login.clone(),
        billed_at: now,
        params_revision,
    };
    let mut billed = t.order;
    billed.billing_outlet_code = Some(user.outlet_code.clone());
    billed.waybill = Some(Box::new(waybill.clone()));
    Ok(Billed {
        order: billed,
        waybill,
        from: t.from,
        to: t.to,
    })
}

/// The order to bill and whether it is pending in the caller's subtree
/// (accepted in the same step), or why not.
fn billable(
    tx: &Connection,
    tree: &OutletTree,
    user: &Staff,
    order_no: &str,
    logistics_no: Option<&str>,
) -> Result<(Order, bool), ApiError> {
    let o = orders::get(tx, order_no)?.ok_or_else(ApiError::not_found)?;
    match billable_as(&o, tree, user, logistics_no)? {
        Some(pending_here) => Ok((o, pending_here)),
        None => Err(super::orders::conflict(tx, &o)?),
    }
}

/// Whether `user` may bill `o` (both engines): `Some(pending_here)`, or
/// `None` when its state does not allow it (a state conflict); 404 when
/// the caller may not open it at all.
pub(crate) fn billable_as(
    o: &Order,
    tree: &OutletTree,
    user: &Staff,
    logistics_no: Option<&str>,
) -> Result<Option<bool>, ApiError> {
    let scope = visibility::user_scope(&user.outlet_code, tree);
    let in_view = scope.sees(o, tree);
    // Outside the caller's subtree only the customer's logistics number
    // opens the order; a wrong pair looks exactly like an unknown order.
    let pair_ok = logistics_no
        .map(str::trim)
        .is_some_and(|l| !l.is_empty() && l == o.logistics_no.trim());
    if !in_view && !pair_ok {
        return Err(ApiError::not_found());
    }
    let pending_here = o.status == Status::Pending
        && in_view
        && !visibility::is_pool(o.current_outlet_code.as_deref(), tree)
        && scope.contains(o.current_outlet_code.as_deref(), tree);
    if o.status != Status::Accepted && !pending_here {
        return Ok(None);
    }
    Ok(Some(pending_here))
}

/// The accept a pending order gets first (the fields sent, else the
/// waybill's), checked before anything is written.
pub(crate) fn accept_first(
    o: &Order,
    draft: &WaybillDraft,
    accept: Option<&AcceptFields>,
    user: &Staff,
) -> Result<Action, ApiError> {
    let a = match accept {
        Some(a) => a.action(),
        None => Action::Accept {
            weight_g: draft.cargo.weight_g,
            volume_cm3: draft.cargo.volume_cm3,
            pickup_required: draft.pickup_required,
            pickup_time: draft
                .pickup_required
                .then(|| o.pickup_time.unwrap_or_else(Utc::now)),
        },
    };
    if let Err(ActionError::Rule(r)) = order::apply(o, &a, &context(user, &[], Utc::now())) {
        return Err(r.into());
    }
    Ok(a)
}

pub(crate) fn context<'a>(
    user: &Staff,
    reasons: &'a [crate::domain::params::Reason],
    now: chrono::DateTime<Utc>,
) -> ActionContext<'a> {
    ActionContext {
        role: user.role,
        in_pool: false,
        assignable: &never,
        return_reasons: reasons,
        pickup_failed_reasons: reasons,
        now,
    }
}

/// An import never assigns.
fn never(_: &str) -> bool {
    false
}
