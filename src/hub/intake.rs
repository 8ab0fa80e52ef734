//! New orders from upstream: checked, dispatched (SPEC 3.4), stored.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::error::ApiError;
use super::orders;
use crate::domain::dispatch::{self, DispatchReason, DispatchRule};
use crate::domain::order::InboundOrder;
use crate::domain::{Order, OutletTree};

/// Stores a new order, or returns the existing one with the same number
/// (`false`): upstream may resend.
pub fn create(
    c: &mut Connection,
    tree: &OutletTree,
    inbound: InboundOrder,
    now: DateTime<Utc>,
) -> Result<(Order, bool), ApiError> {
    inbound.check_at(now)?;
    let tx = c.transaction()?;
    if let Some(existing) = orders::get(&tx, inbound.order_no.trim())? {
        return Ok((existing, false));
    }
    let (outlet, rule) = match inbound.current_outlet_code.clone() {
        // Stored trimmed: every visibility check and SQL filter compares
        // codes exactly, so " A1" would be nobody's order.
        Some(given) => (Some(given.trim().to_owned()), Some(DispatchRule::Upstream)),
        None => {
            let remembered = orders::memory(&tx, &inbound.ali_account)?;
            match dispatch::dispatch_why(remembered.as_deref(), &inbound.shipper.city, tree) {
                Some((code, rule)) => (Some(code), Some(rule)),
                None => (None, None),
            }
        }
    };
    let mut order = inbound.into_order(outlet.clone(), now);
    order.dispatch_reason = rule.map(DispatchReason::rule);
    orders::put(&tx, &order)?;
    if let Some(o) = outlet.as_deref().filter(|o| dispatch::can_receive(o, tree)) {
        orders::remember_outlet(&tx, &order.ali_account, o)?;
    }
    orders::add_event(
        &tx,
        &order.order_no,
        now,
        "upstream",
        outlet.as_deref(),
        "created",
        None,
        order.status.as_str(),
        None,
        None,
    )?;
    tx.commit()?;
    Ok((order, true))
}
