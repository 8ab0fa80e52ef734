use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{ChangesPage, ErrorBody, OrderEvent};
use crate::domain::order::{self, Action, ActionContext, ActionError};
use crate::domain::params::Reason;
use crate::domain::visibility;
use crate::domain::{Order, OutletTree, Staff};
use crate::hub::error::ApiError;
use crate::hub::http::{AuthUser, Body, ReqLang};
use crate::hub::storage::orders_write::ActionWrite;
use crate::hub::{HubState, auth, db, orders};

pub use crate::hub::storage::orders_read::{FeedAnswer, OrderList};

/// Paging of the change feed.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ChangesQuery {
    /// Opaque cursor from the previous page; none = from the beginning.
    pub cursor: Option<String>,
    /// 1..=1000, default 500.
    pub limit: Option<i64>,
    /// 1..=30 seconds: at the head, answer as soon as something in view
    /// changes, or empty after this long (a long poll; the hub may hold it
    /// shorter, see `--max-wait`).
    #[param(minimum = 1, maximum = 30)]
    pub wait: Option<u64>,
}

/// The change feed: orders new or changed in the user's view since the
/// cursor, and those that left it.
#[utoipa::path(get, path = "/api/v1/orders/changes", security(("bearer" = [])), params(ChangesQuery),
    responses((status = 200, body = ChangesPage), (status = 400, body = ErrorBody),
        (status = 410, body = ErrorBody, description = "view_changed: the user's view changed, drop the cached orders and resync; cursor_expired: the cursor is ahead of the server, resync")))]
pub async fn changes(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Query(q): Query<ChangesQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(500).clamp(1, 1000);
    let wait = match q.wait {
        None => None,
        Some(w @ 1..=30) => {
            Some(std::time::Duration::from_secs(w).min(state.guard.limits.max_long_poll))
        }
        Some(_) => {
            return Err(
                ApiError::new(axum::http::StatusCode::BAD_REQUEST, "invalid_query")
                    .detail("wait must be 1..30"),
            );
        }
    };
    let deadline = wait.map(|w| tokio::time::Instant::now() + w);
    // Both before the first read, so no write after it goes unseen; which
    // one the poll waits on depends on the user's view, which the read
    // tells.
    let mut everything = state.wakes.all();
    let mut mine = state.wakes.outlet(&user.staff.outlet_code);
    let mut revisions = None;
    loop {
        everything.mark_unchanged();
        mine.mark_unchanged();
        let (page, whole_network) = state
            .feed_page(user.staff.clone(), q.cursor.clone(), limit)
            .await?;
        let empty = page.orders.is_empty() && page.removed.is_empty();
        // A new parameter or rate revision is news too: the client
        // refetches them from what the page says.
        let now = (page.params_revision, page.rate_revision);
        let moved = revisions.is_some_and(|r| r != now);
        revisions = Some(now);
        let Some(deadline) = deadline.filter(|_| empty && !moved) else {
            return feed_response(&page);
        };
        let woken = if whole_network {
            everything.changed()
        } else {
            mine.changed()
        };
        if tokio::time::timeout_at(deadline, woken)
            .await
            .is_ok_and(|r| r.is_ok())
        {
            continue;
        }
        return feed_response(&page);
    }
}

/// A feed page as JSON, its stored order bodies passed through unread.
fn feed_response(page: &FeedAnswer) -> Result<Response, ApiError> {
    let body = page.to_json().map_err(ApiError::internal)?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// Filters of `GET /api/v1/orders`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// The outlet selector (网点选项): absent = empty selector.
    pub outlet: Option<String>,
    /// Only this status (default: pending).
    pub status: Option<String>,
    /// 1..=500, default 100.
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

/// Orders under the outlet selector's rules (SPEC 3.1), oldest first: the
/// server's side of the selector, so a clerk can never fetch another
/// branch's orders. 403 for an outlet outside the user's subtree.
#[utoipa::path(get, path = "/api/v1/orders", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = OrderList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<OrderList>, ApiError> {
    let status = match q.status.as_deref() {
        None | Some("") => crate::domain::Status::Pending,
        Some(s) => crate::domain::Status::parse(s).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_body").detail("status")
        })?,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let offset = q.offset.unwrap_or(0).max(0);
    let list = state
        .order_list(user.staff, q.outlet, status, limit, offset)
        .await?;
    Ok(Json(list))
}

/// An order: in full inside the user's view, else only its status and
/// outlets (so nobody tells a customer "no such order" without looking).
#[utoipa::path(get, path = "/api/v1/orders/{order_no}", security(("bearer" = [])),
    params(("order_no" = String, Path)),
    responses((status = 200, body = Order, description = "full, or OrderSummary outside the user's view"),
        (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Path(order_no): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let v = state.order_get(user.staff, order_no).await?;
    Ok(Json(v))
}

/// An order's history (same visibility as the full order).
#[utoipa::path(get, path = "/api/v1/orders/{order_no}/events", security(("bearer" = [])),
    params(("order_no" = String, Path)),
    responses((status = 200, body = [OrderEvent]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn events(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Path(order_no): Path<String>,
) -> Result<Json<Vec<OrderEvent>>, ApiError> {
    let v = state.order_events(user.staff, order_no).await?;
    Ok(Json(v))
}

fn reasons(c: &rusqlite::Connection, key: &str) -> Result<Vec<Reason>, ApiError> {
    let stored = db::parameters(c)?
        .into_iter()
        .find(|p| p.0 == key)
        .map(|p| p.1);
    reasons_from(stored.as_deref(), key)
}

/// The reason list `key` from its stored value (JSON text), else the
/// default list.
pub(crate) fn reasons_from(stored: Option<&str>, key: &str) -> Result<Vec<Reason>, ApiError> {
    match stored.and_then(|p| serde_json::from_str::<Vec<Reason>>(p).ok()) {
        Some(r) => Ok(r),
        None => crate::domain::params::defaults()
            .map_err(ApiError::internal)?
            .into_iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| serde_json::from_value(v).ok())
            .ok_or_else(|| ApiError::internal(format!("no {key}"))),
    }
}

/// 409 `state_conflict`: says who did what when, with the current order.
pub(super) fn conflict(c: &rusqlite::Connection, o: &Order) -> Result<ApiError, ApiError> {
    Ok(conflict_after(orders::events(c, &o.order_no)?.pop(), o))
}

/// [`conflict`] given the order's last event.
pub(crate) fn conflict_after(last: Option<OrderEvent>, o: &Order) -> ApiError {
    let mut e = ApiError::new(StatusCode::CONFLICT, "state_conflict");
    if let Some(ev) = last {
        let at = (ev.at + chrono::Duration::hours(8))
            .format("%m-%d %H:%M")
            .to_string();
        e = e
            .arg("actor", ev.actor_login)
            .arg("outlet", ev.outlet_code.unwrap_or_default())
            .arg("at", at)
            .arg("action", format!("@event.{}", ev.action));
    }
    e = e.arg("status", format!("@status.{}", o.status.as_str()));
    e.order = serde_json::to_value(o).ok();
    e
}

/// Why [`decide`] refused an action.
pub(crate) enum Refused {
    /// The order's state does not allow it: answer [`conflict`].
    State,
    /// Any other refusal, as answered.
    Other(ApiError),
}

/// The state machine's answer to `action` by `user` on `o` (both
/// engines): the transition, with 分配's reason naming the dispatcher.
pub(crate) fn decide(
    tree: &OutletTree,
    user: &Staff,
    o: &Order,
    action: &Action,
    return_reasons: &[Reason],
    pickup_failed_reasons: &[Reason],
    now: chrono::DateTime<Utc>,
) -> Result<order::Transition, Refused> {
    let scope = visibility::user_scope(&user.outlet_code, tree);
    if !scope.sees(o, tree) {
        return Err(Refused::Other(ApiError::new(
            StatusCode::FORBIDDEN,
            "order_out_of_view",
        )));
    }
    // A dispatcher below HQ may hand orders on only inside their own
    // subtree, never into another branch's view.
    let assignable = |code: &str| {
        crate::domain::dispatch::can_receive(code, tree) && scope.contains(Some(code), tree)
    };
    let ctx = ActionContext {
        role: user.role,
        in_pool: visibility::is_pool(o.current_outlet_code.as_deref(), tree),
        assignable: &assignable,
        return_reasons,
        pickup_failed_reasons,
        now,
    };
    let mut t = match order::apply(o, action, &ctx) {
        Ok(t) => t,
        Err(ActionError::State(_)) => return Err(Refused::State),
        Err(ActionError::Role) => return Err(Refused::Other(ApiError::forbidden())),
        Err(ActionError::Rule(r)) => return Err(Refused::Other(r.into())),
    };
    // 分配's reason names the dispatcher, whom only the hub knows.
    if let (Action::Assign { .. }, Some(why)) = (action, t.order.dispatch_reason.as_mut()) {
        why.by = Some(user.login.clone());
    }
    Ok(t)
}

/// The outlet an action's event names: where it was assigned to, else
/// where the order was.
pub(crate) fn event_outlet(action: &Action, before: &Order) -> Option<String> {
    match action {
        Action::Assign { outlet_code } => Some(outlet_code.clone()),
        _ => before.current_outlet_code.clone(),
    }
}

/// Whether the action makes the order's outlet the account's remembered
/// one (受理 and 分配).
pub(crate) fn remembers_outlet(action: &Action) -> bool {
    matches!(action, Action::Accept { .. } | Action::Assign { .. })
}

/// Runs one action under the state machine, with its events and memory,
/// inside the caller's transaction (which also records the key).
pub(crate) fn act(
    tx: &rusqlite::Connection,
    tree: &OutletTree,
    user: &Staff,
    order_no: &str,
    action: &Action,
) -> Result<Order, ApiError> {
    let o = orders::get(tx, order_no)?.ok_or_else(ApiError::not_found)?;
    let return_reasons = reasons(tx, "reasons.return")?;
    let failed_reasons = reasons(tx, "reasons.pickup_failed")?;
    let now = Utc::now();
    let t = match decide(
        tree,
        user,
        &o,
        action,
        &return_reasons,
        &failed_reasons,
        now,
    ) {
        Ok(t) => t,
        Err(Refused::State) => return Err(conflict(tx, &o)?),
        Err(Refused::Other(e)) => return Err(e),
    };
    orders::put(tx, &t.order)?;
    let outlet = event_outlet(action, &o);
    orders::add_event(
        tx,
        order_no,
        now,
        &user.login,
        outlet.as_deref(),
        action.name(),
        Some(t.from.as_str()),
        t.to.as_str(),
        t.reason_code.as_deref(),
        t.note.as_deref().filter(|n| !n.is_empty()),
    )?;
    if let (true, Some(code)) = (remembers_outlet(action), outlet.as_deref()) {
        orders::remember_outlet(tx, &t.order.ali_account, code)?;
    }
    Ok(t.order)
}

/// Applies an action once per `Idempotency-Key`; the same key with the same
/// body replays the first answer, with another body it is 422.
#[utoipa::path(post, path = "/api/v1/orders/{order_no}/actions", security(("bearer" = [])),
    params(("order_no" = String, Path), ("Idempotency-Key" = String, Header, description = "a UUID made by the client")),
    request_body = Action,
    responses((status = 200, body = Order), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn action(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    ReqLang(lang): ReqLang,
    Path(order_no): Path<String>,
    headers: HeaderMap,
    Body(body): Body<Value>,
) -> Result<Response, ApiError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 128)
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "idempotency_key_required"))?
        .to_owned();
    // `expected_version` is for logs only; the state machine decides.
    let mut canonical = body.clone();
    if let Some(m) = canonical.as_object_mut() {
        m.remove("expected_version");
    }
    // Only a digest is kept: enough to tell the same request from another,
    // without storing what the clerk wrote a second time.
    let request = auth::request_digest(&format!(
        "{order_no}\n{}",
        serde_json::to_string(&canonical).map_err(ApiError::internal)?
    ));
    let refused_ttl = chrono::Duration::from_std(state.guard.limits.refused_key_ttl)
        .unwrap_or(chrono::Duration::days(7));
    let (status, text) = state
        .order_action(ActionWrite {
            key,
            staff: user.staff,
            request,
            order_no,
            action: canonical,
            lang,
            refused_before: Utc::now() - refused_ttl,
        })
        .await?;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    Ok((
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response())
}
