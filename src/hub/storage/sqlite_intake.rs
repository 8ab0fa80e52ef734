//! Inbound orders on SQLite (issue 15: below the storage interface, so
//! [`crate::hub::intake`] names no engine): one order at a time for the
//! demo's seed, a group in one transaction for the intake's group commit.
//! PostgreSQL's are in [`super::pg_orders_write`].

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::domain::order::InboundOrder;
use crate::domain::{Order, OutletTree, dispatch};
use crate::hub::error::ApiError;
use crate::hub::intake::{self, Answer};
use crate::hub::orders;

/// Stores a new order, or returns the existing one with the same number
/// (`false`): upstream may resend.
pub fn create(
    c: &mut Connection,
    tree: &OutletTree,
    inbound: InboundOrder,
    now: DateTime<Utc>,
) -> Result<(Order, bool), ApiError> {
    let tx = c.transaction()?;
    let mut new = orders::NewOrders::new(&tx)?;
    let out = create_in(&tx, &mut new, tree, inbound, now)?;
    new.finish()?;
    tx.commit()?;
    Ok(out)
}

/// A group of inbound orders in one transaction on the writer `c`, each
/// answered as if alone; `Err` when the database itself failed (then
/// none of the group is stored).
pub fn batch(
    c: &mut Connection,
    tree: &OutletTree,
    inbound: Vec<InboundOrder>,
) -> Result<Vec<Answer>, ApiError> {
    let now = Utc::now();
    let tx = c.transaction()?;
    let mut answers = Vec::with_capacity(inbound.len());
    {
        // One writer for the batch: the network cannot change while this
        // transaction holds the connection.
        let mut new = orders::NewOrders::new(&tx)?;
        for o in inbound {
            match create_in(&tx, &mut new, tree, o, now) {
                Ok(a) => answers.push(Ok(a)),
                // The database itself failed (full, I/O): SQLite may have
                // rolled the whole transaction back, so none of the batch
                // is stored and each is told so.
                Err(e) if e.status.is_server_error() => return Err(e),
                Err(e) => answers.push(Err(e)),
            }
        }
        new.finish()?;
    }
    tx.commit()?;
    Ok(answers)
}

/// [`create`] inside the caller's transaction, writing through `new`.
/// Nothing is written before the checks pass: a refused order leaves
/// `new`'s counts untouched.
fn create_in(
    tx: &Connection,
    new: &mut orders::NewOrders<'_>,
    tree: &OutletTree,
    inbound: InboundOrder,
    now: DateTime<Utc>,
) -> Result<(Order, bool), ApiError> {
    inbound.check_at(now)?;
    if let Some(existing) = orders::get(tx, inbound.order_no.trim())? {
        return Ok((existing, false));
    }
    let remembered = match inbound.current_outlet_code {
        Some(_) => None,
        None => orders::memory(tx, &inbound.ali_account)?,
    };
    let (order, outlet) = intake::placed(inbound, remembered.as_deref(), tree, now);
    new.put(&order)?;
    if let Some(o) = outlet.as_deref().filter(|o| dispatch::can_receive(o, tree)) {
        orders::remember_outlet(tx, &order.ali_account, o)?;
    }
    orders::add_event(
        tx,
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
    Ok((order, true))
}
