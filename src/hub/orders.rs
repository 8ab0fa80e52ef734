//! order-hub's order storage: orders with a global change sequence, every
//! outlet an order was ever at (for the feed's `removed`), events,
//! idempotency keys and the dispatch memory.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::db;
use crate::api::OrderEvent;
use crate::domain::Order;

fn next_seq(c: &Connection) -> rusqlite::Result<i64> {
    let next = db::meta_get(c, "order_seq")?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0)
        + 1;
    db::meta_set(c, "order_seq", &next.to_string())?;
    Ok(next)
}

/// The newest change sequence number.
pub fn last_seq(c: &Connection) -> rusqlite::Result<i64> {
    Ok(db::meta_get(c, "order_seq")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

fn to_json(o: &Order) -> rusqlite::Result<String> {
    serde_json::to_string(o).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// Writes `o` (new or changed) with a fresh change sequence number.
pub fn put(c: &Connection, o: &Order) -> rusqlite::Result<i64> {
    let seq = next_seq(c)?;
    let old = super::scope::stored(c, &o.order_no)?;
    write_row(c, o, seq)?;
    super::scope::reindex(c, old, o)?;
    super::report::record(c, o)?;
    Ok(seq)
}

/// New orders written together in one transaction whose network does not
/// change (a batch of inbound orders): their sequence numbers, scope index
/// counts and report sums are kept in memory and written once by
/// [`NewOrders::finish`], instead of a dozen statements per order.
pub struct NewOrders<'c> {
    c: &'c Connection,
    seq: i64,
    listed: super::scope::NewListed<'c>,
    report: super::report::Bulk,
}

impl<'c> NewOrders<'c> {
    pub fn new(c: &'c Connection) -> rusqlite::Result<Self> {
        Ok(NewOrders {
            c,
            seq: last_seq(c)?,
            listed: super::scope::NewListed::new(c),
            report: super::report::Bulk::default(),
        })
    }

    /// Writes `o`, which is not stored yet, as [`put`] does.
    pub fn put(&mut self, o: &Order) -> rusqlite::Result<i64> {
        self.seq += 1;
        write_row(self.c, o, self.seq)?;
        self.listed.add(o)?;
        self.report.add(self.c, o)?;
        Ok(self.seq)
    }

    /// Writes the sequence number, counts and sums.
    pub fn finish(self) -> rusqlite::Result<()> {
        set_last_seq(self.c, self.seq)?;
        self.listed.finish()?;
        self.report.finish(self.c)
    }
}

/// A new order of a bulk load (the national generator) at `seq`: its row
/// and outlets only. The load builds the scope index and change log once
/// at its end ([`super::scope::rebuild`]), counts the report through
/// [`super::report::Bulk`], and stores the last sequence with
/// [`set_last_seq`].
pub fn insert_bulk(c: &Connection, o: &Order, seq: i64) -> rusqlite::Result<()> {
    write_row(c, o, seq)
}

/// Stores the newest change sequence number after a bulk load.
pub fn set_last_seq(c: &Connection, seq: i64) -> rusqlite::Result<()> {
    db::meta_set(c, "order_seq", &seq.to_string())
}

fn write_row(c: &Connection, o: &Order, seq: i64) -> rusqlite::Result<()> {
    // Cached statements: a cold start and the national generator write
    // hundreds of thousands of orders through here.
    c.prepare_cached(
        "INSERT INTO orders(order_no, seq, status, current_outlet_code, accepting_outlet_code, billing_outlet_code, created_at, body)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8)
         ON CONFLICT(order_no) DO UPDATE SET seq=excluded.seq, status=excluded.status,
           current_outlet_code=excluded.current_outlet_code, accepting_outlet_code=excluded.accepting_outlet_code,
           billing_outlet_code=excluded.billing_outlet_code, body=excluded.body",
    )?
    .execute(params![
        o.order_no,
        seq,
        o.status.as_str(),
        o.current_outlet_code,
        o.accepting_outlet_code,
        o.billing_outlet_code,
        o.created_at.to_rfc3339(),
        to_json(o)?
    ])?;
    let mut at = c.prepare_cached(
        "INSERT OR IGNORE INTO order_outlets(order_no, outlet_code) VALUES (?1, ?2)",
    )?;
    at.execute(params![
        o.order_no,
        o.current_outlet_code.as_deref().unwrap_or_default()
    ])?;
    // The billing outlet's view follows the order too (SPEC 3.5).
    if let Some(billing) = &o.billing_outlet_code {
        at.execute(params![o.order_no, billing])?;
    }
    Ok(())
}

/// An order from its stored body.
pub fn parse(body: &str) -> rusqlite::Result<Order> {
    serde_json::from_str(body).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// One order.
pub fn get(c: &Connection, order_no: &str) -> rusqlite::Result<Option<Order>> {
    let body: Option<String> = c
        .prepare_cached("SELECT body FROM orders WHERE order_no = ?1")?
        .query_row([order_no], |r| r.get(0))
        .optional()?;
    body.map(|b| parse(&b)).transpose()
}

/// Orders changed after `seq`, oldest change first, at most `limit`: the
/// whole network's feed (a subtree's reads its change log,
/// `scope::feed_rows`).
pub fn changed_since(
    c: &Connection,
    seq: i64,
    limit: i64,
) -> rusqlite::Result<Vec<super::scope::FeedRow>> {
    use super::scope::FeedRow;
    c.prepare_cached(&format!(
        "SELECT {} FROM orders o WHERE o.seq > ?1 ORDER BY o.seq LIMIT ?2",
        FeedRow::COLS
    ))?
    .query_map(params![seq, limit], FeedRow::read)?
    .collect()
}

/// Appends an event.
#[allow(clippy::too_many_arguments)]
pub fn add_event(
    c: &Connection,
    order_no: &str,
    at: DateTime<Utc>,
    actor: &str,
    outlet: Option<&str>,
    action: &str,
    from: Option<&str>,
    to: &str,
    reason: Option<&str>,
    note: Option<&str>,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO order_events(order_no, at, actor_login, outlet_code, action, from_status, to_status, reason_code, note)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    )?
    .execute(params![order_no, at.to_rfc3339(), actor, outlet, action, from, to, reason, note],
    )?;
    Ok(())
}

/// An order's history, oldest first.
pub fn events(c: &Connection, order_no: &str) -> rusqlite::Result<Vec<OrderEvent>> {
    let mut st = c.prepare_cached(
        "SELECT seq, at, actor_login, outlet_code, action, from_status, to_status, reason_code, note
         FROM order_events WHERE order_no = ?1 ORDER BY seq",
    )?;
    let rows = st.query_map([order_no], |r| {
        let at: String = r.get(1)?;
        Ok(OrderEvent {
            seq: r.get(0)?,
            at: DateTime::parse_from_rfc3339(&at)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
            actor_login: r.get(2)?,
            outlet_code: r.get(3)?,
            action: r.get(4)?,
            from_status: r.get(5)?,
            to_status: r.get(6)?,
            reason_code: r.get(7)?,
            note: r.get(8)?,
        })
    })?;
    rows.collect()
}

/// A stored answer for an idempotency key: (login, request, status, body).
pub fn idempotent(
    c: &Connection,
    key: &str,
) -> rusqlite::Result<Option<(String, String, u16, String)>> {
    c.query_row(
        "SELECT login, request, status, response FROM idempotency WHERE key = ?1",
        [key],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .optional()
}

/// Remembers the answer to a key (`request` is the request's digest); an
/// applied one for good: a clerk may be offline for a weekend and resend on
/// Monday.
pub fn remember(
    c: &Connection,
    key: &str,
    login: &str,
    request: &str,
    status: u16,
    response: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO idempotency(key, login, request, status, response, created_at) VALUES (?1,?2,?3,?4,?5,?6)",
        params![key, login, request, status, response, Utc::now().to_rfc3339()],
    )?;
    Ok(())
}

/// Forgets refused answers stored before `before`: a refusal is final and
/// the client saw it long ago; only applied actions must replay forever.
pub fn expire_refused(c: &Connection, before: DateTime<Utc>) -> rusqlite::Result<usize> {
    c.execute(
        "DELETE FROM idempotency WHERE status <> 200 AND created_at < ?1",
        [before.to_rfc3339()],
    )
}

/// The outlet remembered for an Ali account.
pub fn memory(c: &Connection, account: &str) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT outlet_code FROM dispatch_memory WHERE ali_account = ?1")?
        .query_row([account], |r| r.get(0))
        .optional()
}

/// Remembers `outlet` as the account's outlet.
pub fn remember_outlet(c: &Connection, account: &str, outlet: &str) -> rusqlite::Result<()> {
    if account.trim().is_empty() {
        return Ok(());
    }
    c.prepare_cached(
        "INSERT INTO dispatch_memory(ali_account, outlet_code, updated_at) VALUES (?1,?2,?3)
         ON CONFLICT(ali_account) DO UPDATE SET outlet_code=excluded.outlet_code, updated_at=excluded.updated_at",
    )?
    .execute(params![account, outlet, Utc::now().to_rfc3339()])?;
    Ok(())
}
