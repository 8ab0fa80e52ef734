//! The own rows of a group of new orders on PostgreSQL, written one
//! statement per table for the whole group (issue 15's inbound
//! throughput): each table's columns gathered as arrays and inserted from
//! `unnest`, instead of six statements per order. Measured on the pg_hubs
//! bench, the per-order statements were what an inbound group spent its
//! time on (each one a bind, an execute and a plan run on the server, and
//! its parameters encoded in the hub), not the rows themselves.
//!
//! Only new orders come here, each once per transaction (a number twice in
//! a group is answered as a resend), so no statement touches a row twice:
//! an order written twice in one transaction (开单 accepting first) keeps
//! `pg_orders_write`'s statement per write, whose order matters.

use chrono::{DateTime, NaiveDate, Utc};

use super::pg_pipeline::{Batch, p};
use crate::domain::Order;
use crate::domain::report::Entry;
use crate::hub::error::ApiError;

/// The rows of the new orders of one transaction, column by column.
#[derive(Default)]
pub(crate) struct NewOrders {
    orders: OrderRows,
    outlets: (Vec<String>, Vec<String>),
    /// anc, status, placed time, order number.
    scope: (Vec<String>, Vec<String>, Vec<DateTime<Utc>>, Vec<String>),
    entries: EntryRows,
    events: CreatedRows,
}

#[derive(Default)]
struct OrderRows {
    order_no: Vec<String>,
    status: Vec<String>,
    current: Vec<Option<String>>,
    accepting: Vec<Option<String>>,
    billing: Vec<Option<String>>,
    created_at: Vec<DateTime<Utc>>,
    body: Vec<String>,
}

#[derive(Default)]
struct EntryRows {
    order_no: Vec<String>,
    day: Vec<NaiveDate>,
    holder: Vec<String>,
    resp: Vec<String>,
    billed_for: Vec<String>,
    flags: [Vec<bool>; 6],
    discount_fen: Vec<i64>,
}

#[derive(Default)]
struct CreatedRows {
    order_no: Vec<String>,
    at: Vec<DateTime<Utc>>,
    outlet: Vec<Option<String>>,
    status: Vec<String>,
}

/// Where [`NewOrders::write`]'s statements answer in the batch.
pub(crate) struct Written {
    /// One row per order inserted (fewer: a number was taken meanwhile).
    pub orders: usize,
    /// How many orders were pushed.
    pub pushed: usize,
    /// `(anc, status)` of each scope row inserted.
    pub scope: usize,
}

impl NewOrders {
    /// Queues the order row of `o` (its change number NULL until the
    /// stamp) and the outlets it is seen at.
    pub fn order(&mut self, o: &Order, at: Vec<String>) -> Result<(), ApiError> {
        let r = &mut self.orders;
        r.order_no.push(o.order_no.clone());
        r.status.push(o.status.as_str().to_owned());
        r.current.push(o.current_outlet_code.clone());
        r.accepting.push(o.accepting_outlet_code.clone());
        r.billing.push(o.billing_outlet_code.clone());
        r.created_at.push(o.created_at);
        r.body
            .push(serde_json::to_string(o).map_err(ApiError::internal)?);
        for code in at {
            self.outlets.0.push(o.order_no.clone());
            self.outlets.1.push(code);
        }
        Ok(())
    }

    /// Queues the order's scope index rows under `ancs` (its change-log
    /// rows are the stamp's, `pg::changes`).
    pub fn listed(&mut self, o: &Order, status: &str, ancs: &[String]) {
        for a in ancs {
            self.scope.0.push(a.clone());
            self.scope.1.push(status.to_owned());
            self.scope.2.push(o.created_at);
            self.scope.3.push(o.order_no.clone());
        }
    }

    /// Queues the order's report entry.
    pub fn entry(&mut self, order_no: &str, e: &Entry) {
        let r = &mut self.entries;
        r.order_no.push(order_no.to_owned());
        r.day.push(e.day);
        r.holder.push(e.holder.clone());
        r.resp.push(e.responsible.clone());
        r.billed_for.push(e.billed_for.clone());
        for (col, v) in r.flags.iter_mut().zip([
            e.valid,
            e.billed,
            e.returned,
            e.pickup_failed,
            e.cancelled,
            e.open,
        ]) {
            col.push(v);
        }
        r.discount_fen.push(e.ali_discount_fen);
    }

    /// Queues the order's "created" event, by upstream.
    pub fn created(&mut self, o: &Order, at: DateTime<Utc>, outlet: Option<&str>) {
        let r = &mut self.events;
        r.order_no.push(o.order_no.clone());
        r.at.push(at);
        r.outlet.push(outlet.map(str::to_owned));
        r.status.push(o.status.as_str().to_owned());
    }

    /// Adds one statement per table to `b`, the orders first (a number
    /// another writer is inserting makes this one wait there, before it
    /// writes anything else); `None` when no order was queued.
    pub fn write(self, b: &mut Batch) -> Option<Written> {
        let o = self.orders;
        let pushed = o.order_no.len();
        if pushed == 0 {
            return None;
        }
        let orders = b.push(
            "INSERT INTO orders(order_no, status, current_outlet_code, accepting_outlet_code,
                 billing_outlet_code, created_at, body)
             SELECT n, s, c, a, b, t, j::json
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                 $6::timestamptz[], $7::text[]) AS r(n, s, c, a, b, t, j)
             ON CONFLICT (order_no) DO NOTHING RETURNING 1",
            vec![
                p(o.order_no),
                p(o.status),
                p(o.current),
                p(o.accepting),
                p(o.billing),
                p(o.created_at),
                p(o.body),
            ],
        );
        b.push(
            "INSERT INTO order_outlets(order_no, outlet_code)
             SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            vec![p(self.outlets.0), p(self.outlets.1)],
        );
        let (anc, status, created, order_no) = self.scope;
        let scope = b.push(
            "INSERT INTO order_scope(anc, status, created_at, order_no)
             SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])
             ON CONFLICT DO NOTHING RETURNING anc, status",
            vec![p(anc), p(status), p(created), p(order_no)],
        );
        let e = self.entries;
        if !e.order_no.is_empty() {
            let [valid, billed, returned, failed, cancelled, open] = e.flags;
            b.push(
                "INSERT INTO report_entry(order_no, day, holder, resp, billed_for, valid, billed,
                     returned, pickup_failed, cancelled, open, discount_fen)
                 SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::text[],
                     $6::boolean[], $7::boolean[], $8::boolean[], $9::boolean[], $10::boolean[],
                     $11::boolean[], $12::bigint[])
                 ON CONFLICT (order_no) DO UPDATE SET day = excluded.day,
                     holder = excluded.holder, resp = excluded.resp,
                     billed_for = excluded.billed_for, valid = excluded.valid,
                     billed = excluded.billed, returned = excluded.returned,
                     pickup_failed = excluded.pickup_failed, cancelled = excluded.cancelled,
                     open = excluded.open, discount_fen = excluded.discount_fen",
                vec![
                    p(e.order_no),
                    p(e.day),
                    p(e.holder),
                    p(e.resp),
                    p(e.billed_for),
                    p(valid),
                    p(billed),
                    p(returned),
                    p(failed),
                    p(cancelled),
                    p(open),
                    p(e.discount_fen),
                ],
            );
        }
        let ev = self.events;
        if !ev.order_no.is_empty() {
            b.push(
                "INSERT INTO order_events(order_no, at, actor_login, outlet_code, action, to_status)
                 SELECT n, t, 'upstream', o, 'created', s
                 FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[]) AS r(n, t, o, s)",
                vec![p(ev.order_no), p(ev.at), p(ev.outlet), p(ev.status)],
            );
        }
        Some(Written {
            orders,
            pushed,
            scope,
        })
    }
}
