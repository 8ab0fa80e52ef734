//! Order writes on PostgreSQL (issue 15): an action under its
//! Idempotency-Key, a group of inbound orders, the customer's cancel.
//!
//! Each is one READ COMMITTED transaction ([`Tx`]) of three steps, each
//! one round trip ([`Batch`]: its statements sent together, run in order),
//! `BEGIN` going with the first and `COMMIT` with the last:
//! 1. **reads**: claims the Idempotency-Key (`INSERT … ON CONFLICT DO
//!    NOTHING`: a second hub sending the same key waits on the
//!    uncommitted key, then finds it stored and replays the answer), takes
//!    [`NETWORK_LOCK`] shared (an outlet write, which takes it
//!    exclusively, cannot change the closure between this write reading an
//!    order's ancestors and committing the index rows built from them),
//!    reads the outlet revision, and reads the order with its report entry,
//!    locked (`FOR UPDATE`: two actions on one order through two hubs run
//!    one after the other, as on SQLite's one writer);
//! 2. **writes**, decided in memory by the shared rules: the order (its
//!    `seq` NULL until the stamp), its event, its outlets, scope index
//!    rows and report entry ([`Upkeep::put`]) — rows of this order only,
//!    which no other writer waits for; a group's new orders one statement
//!    per table ([`NewOrders`]);
//! 3. **the shared rows, last** ([`Upkeep::finish`]): the dispatch memory,
//!    the counts and report sums (added up in memory, written once each,
//!    in key order, so two writers lock them in the same order), the wake
//!    notification ([`pg::notify`], delivered on commit only) and, as the
//!    LAST statement, the change numbers with the change-log rows that
//!    carry them ([`pg::changes::STAMP`], whose comment says why that
//!    keeps the feed gap-free), and COMMIT.
//!
//! So a write holds the rows every writer needs (the counter row, the
//! network-wide counts, an account's dispatch memory) only while the
//! server runs its last step and commits, instead of from their first
//! statement on through a dozen round trips to a hub busy with other
//! requests; that queue was what kept PostgreSQL at a fifth of SQLite's
//! actions/s. (开单 reads the rate card in round trips of its own between
//! steps 1 and 2, holding only its order's rows.) Every lock
//! the last step takes is a shared row taken in one global order, and the
//! step waits for nothing else: the change-number argument holds as it
//! was.
//!
//! The upkeep is this engine's SQL of the same rules as SQLite's
//! `scope_index::Indexer` and `report::record`: what an order is listed
//! and counted under comes from the pure helpers at the end of this file.
//! Ancestors come from `outlet_closure`, cached per outlet revision
//! ([`Closures`]): every closure change raises the revision in its own
//! transaction, and the revision is read under the network lock.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::ClientWrapper;
use tokio_postgres::Row;
use tokio_postgres::types::Json;

use super::orders_write::{ActionWrite, answer, cancel_too_late, invalid_action, replay};
use super::pg_new_orders::NewOrders;
use super::pg_pipeline::{Batch, Tx, p};
use super::postgres::{Postgres, meta_int};
use crate::api::OrderEvent;
use crate::domain::dispatch;
use crate::domain::order::{self, AcceptFields, Action, InboundOrder};
use crate::domain::pricing::{DEFAULT_NUMBER_PATTERN, PriceParams, WaybillDraft, WaybillPattern};
use crate::domain::report::{self as report_rules, Entry};
use crate::domain::{Order, OutletKind, OutletTree, Staff, Status};
use crate::hub::error::ApiError;
use crate::hub::intake::{self, Answer};
use crate::hub::routes::orders::{self as order_routes, Refused};
use crate::hub::routes::waybills;
use crate::hub::wake::Touched;
use crate::hub::{HubState, pg};
use crate::i18n::Lang;
use crate::scope_index::{ALL, POOL};

/// The advisory lock between order writes (shared) and writes that
/// change the network's closure (exclusive): an order write reads its
/// ancestors from `outlet_closure` and must commit its index rows before
/// the closure changes under them.
pub const NETWORK_LOCK: i64 = 0x6f72_6465_726e_6574; // "ordernet"

/// Each outlet's closure rows at one outlet revision, shared by a hub's
/// writes: a closure changes only in an outlet write, which raises the
/// revision in the same transaction, so rows read at a revision stay
/// right for every later write that reads the same revision (under the
/// network lock).
#[derive(Default)]
pub struct Closures(Mutex<(i64, ClosureMap)>);

/// Outlet code → its ancestors (itself included; HQ's include the pool).
type ClosureMap = HashMap<String, Arc<[String]>>;

impl Closures {
    fn get(&self, revision: i64, code: &str) -> Option<Arc<[String]>> {
        let cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        (cache.0 == revision).then(|| cache.1.get(code).cloned())?
    }

    fn put(&self, revision: i64, found: &ClosureMap) {
        let mut cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.0 != revision {
            *cache = (revision, HashMap::new());
        }
        cache
            .1
            .extend(found.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

/// An order as stored: the body, the index key of its row and its report
/// entry.
pub(super) struct Stored {
    order: Order,
    key: Key,
    entry: Option<Entry>,
}

/// What the scope index keys an order by.
#[derive(Debug, Clone)]
pub(super) struct Key {
    status: String,
    created_at: DateTime<Utc>,
    current: String,
    billing: String,
}

/// The columns [`stored_row`] reads: an order with its report entry, and
/// its number last.
macro_rules! stored_select {
    () => {
        "SELECT o.body::text, o.status, o.created_at,
        coalesce(trim(o.current_outlet_code), ''), coalesce(trim(o.billing_outlet_code), ''),
        e.day, e.holder, e.resp, e.billed_for, e.valid, e.billed, e.returned,
        e.pickup_failed, e.cancelled, e.open, e.discount_fen, o.order_no
    FROM orders o LEFT JOIN report_entry e ON e.order_no = o.order_no"
    };
}

/// Reads an order with its report entry; `$1` the order number.
const STORED: &str = concat!(stored_select!(), " WHERE o.order_no = $1");

/// [`STORED`] for many orders (`$1`, `text[]`), locked in order-number
/// order (two writers locking several orders wait in one order).
pub(super) const STORED_MANY: &str = concat!(
    stored_select!(),
    " WHERE o.order_no = ANY($1) ORDER BY o.order_no FOR UPDATE OF o"
);

/// [`STORED`], the order row locked.
fn stored_locked() -> String {
    format!("{STORED} FOR UPDATE OF o")
}

pub(super) fn stored_row(r: &Row) -> Result<Stored, ApiError> {
    let body: String = r.get(0);
    let day: Option<NaiveDate> = r.get(5);
    Ok(Stored {
        order: serde_json::from_str(&body).map_err(ApiError::internal)?,
        key: Key {
            status: r.get(1),
            created_at: r.get(2),
            current: r.get(3),
            billing: r.get(4),
        },
        entry: day.map(|day| Entry {
            day,
            holder: r.get(6),
            responsible: r.get(7),
            billed_for: r.get(8),
            valid: r.get(9),
            billed: r.get(10),
            returned: r.get(11),
            pickup_failed: r.get(12),
            cancelled: r.get(13),
            open: r.get(14),
            ali_discount_fen: r.get(15),
        }),
    })
}

fn first_stored(rows: &[Row]) -> Result<Option<Stored>, ApiError> {
    rows.first().map(stored_row).transpose()
}

/// The first step's statements every order write starts with: the
/// network lock, shared, then the outlet revision (read under it). The
/// revision's rows are at the returned index.
pub(super) fn begin(b: &mut Batch) -> usize {
    b.push(
        "SELECT pg_advisory_xact_lock_shared($1)",
        vec![p(NETWORK_LOCK)],
    );
    b.push(
        "SELECT coalesce((SELECT value::bigint FROM meta WHERE key = 'outlet_revision'), 0)",
        vec![],
    )
}

pub(super) fn revision(rows: &[Row]) -> i64 {
    rows.first().map_or(0, |r| r.get(0))
}

#[allow(clippy::too_many_arguments)]
fn add_event(
    b: &mut Batch,
    order_no: &str,
    at: DateTime<Utc>,
    actor: &str,
    outlet: Option<&str>,
    action: &str,
    from: Option<&str>,
    to: &str,
    reason: Option<&str>,
    note: Option<&str>,
) {
    let own = |s: Option<&str>| s.map(str::to_owned);
    b.push(
        "INSERT INTO order_events(order_no, at, actor_login, outlet_code, action, from_status, to_status, reason_code, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        vec![
            p(order_no.to_owned()),
            p(at),
            p(actor.to_owned()),
            p(own(outlet)),
            p(action.to_owned()),
            p(own(from)),
            p(to.to_owned()),
            p(own(reason)),
            p(own(note)),
        ],
    );
}

async fn last_event(tx: &ClientWrapper, order_no: &str) -> Result<Option<OrderEvent>, ApiError> {
    let row = tx
        .query_opt(
            &tx.prepare_cached("SELECT seq, at, actor_login, outlet_code, action, from_status, to_status, reason_code, note
             FROM order_events WHERE order_no = $1 ORDER BY seq DESC LIMIT 1").await?,
            &[&order_no],
        )
        .await?;
    Ok(row.map(|r| OrderEvent {
        seq: r.get(0),
        at: r.get(1),
        actor_login: r.get(2),
        outlet_code: r.get(3),
        action: r.get(4),
        from_status: r.get(5),
        to_status: r.get(6),
        reason_code: r.get(7),
        note: r.get(8),
    }))
}

pub(super) const RETURN_REASONS: &str = "reasons.return";
pub(super) const FAILED_REASONS: &str = "reasons.pickup_failed";

/// The reason lists' parameters, as (key, text) rows.
pub(super) fn push_reasons(b: &mut Batch) -> usize {
    b.push(
        "SELECT key, value::text FROM parameters WHERE key = ANY($1)",
        vec![p(vec![
            RETURN_REASONS.to_owned(),
            FAILED_REASONS.to_owned(),
        ])],
    )
}

pub(super) fn reasons(
    rows: &[Row],
    key: &str,
) -> Result<Vec<crate::domain::params::Reason>, ApiError> {
    let stored = rows
        .iter()
        .find(|r| r.get::<_, &str>(0) == key)
        .map(|r| r.get::<_, String>(1));
    order_routes::reasons_from(stored.as_deref(), key)
}

/// An action's first step, answered.
struct Opened {
    claimed: bool,
    revision: i64,
    order: Option<Stored>,
    reasons: Vec<Row>,
}

impl Postgres {
    /// `meta`'s text under `key`.
    pub async fn meta_text(&self, key: &str) -> Result<Option<String>, ApiError> {
        let c = self.conn().await?;
        Ok(
            c.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])
                .await?
                .map(|r| r.get(0)),
        )
    }

    /// See [`HubState::order_action`]; also what the write touched, for
    /// this hub's own waiting feeds.
    pub async fn order_action(
        &self,
        state: &HubState,
        w: &ActionWrite,
    ) -> Result<((u16, String), Touched), ApiError> {
        let mut tx = Tx::new(self.conn().await?);
        let mut first = Batch::default();
        // Claimed first: the same key through another hub waits here
        // until this transaction ends, then replays what it stored (or,
        // after a rollback, claims the key itself). The statements after it
        // run either way; on a replay they only read.
        let claim = first.push(
            "INSERT INTO idempotency(key, login, request, status, response, created_at)
             VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT (key) DO NOTHING RETURNING 1",
            vec![
                p(w.key.clone()),
                p(w.staff.login.clone()),
                p(w.request.clone()),
                p(Utc::now()),
            ],
        );
        let rev = begin(&mut first);
        let order = first.push(stored_locked(), vec![p(w.order_no.clone())]);
        let reasons_at = push_reasons(&mut first);
        let mut rows = tx.run(first).await?;
        let opened = Opened {
            claimed: !rows[claim].is_empty(),
            revision: revision(&rows[rev]),
            order: first_stored(&rows[order])?,
            reasons: std::mem::take(&mut rows[reasons_at]),
        };
        if !opened.claimed {
            let c = tx.client();
            let r = c
                .query_one(
                    &c.prepare_cached(
                        "SELECT login, request, status, response FROM idempotency WHERE key = $1",
                    )
                    .await?,
                    &[&w.key],
                )
                .await?;
            let status: i64 = r.get(2);
            let stored = (
                r.get(0),
                r.get(1),
                u16::try_from(status).unwrap_or(500),
                r.get(3),
            );
            tx.commit().await?;
            return Ok((replay(w, stored)?, Touched::default()));
        }
        let c = tx.client();
        let tree = state.pg_tree_at(&**c, opened.revision).await?;
        let mut up = Upkeep::new(self, tree.clone(), opened.revision);
        let return_reasons = reasons(&opened.reasons, RETURN_REASONS)?;
        let failed_reasons = reasons(&opened.reasons, FAILED_REASONS)?;
        let reasons = (&return_reasons[..], &failed_reasons[..]);
        let outcome = match serde_json::from_value::<Action>(w.action.clone()) {
            Ok(Action::ImportWaybill {
                waybill,
                logistics_no,
                accept,
            }) => {
                import(
                    c,
                    &mut up,
                    &tree,
                    &w.staff,
                    opened.order,
                    &waybill,
                    logistics_no.as_deref(),
                    accept.as_ref(),
                    reasons,
                )
                .await
            }
            Ok(a) => act(c, &mut up, &tree, &w.staff, opened.order, &a, reasons)
                .await
                .map(|(o, _)| o),
            Err(e) => Err(invalid_action(e)),
        };
        let (status, text) = answer(outcome, w.lang)?;
        if status != 200 {
            up.writes.push(
                "DELETE FROM idempotency WHERE status <> 200 AND created_at < $1",
                vec![p(w.refused_before)],
            );
        }
        up.writes.push(
            "UPDATE idempotency SET status = $2, response = $3 WHERE key = $1",
            vec![p(w.key.clone()), p(i64::from(status)), p(text.clone())],
        );
        let touched = up
            .finish(tx)
            .await?
            .ok_or_else(|| ApiError::internal("an action inserted no order"))?;
        Ok(((status, text), touched))
    }

    /// See [`HubState::inbound_cancel`].
    pub async fn inbound_cancel(
        &self,
        state: &HubState,
        order_no: &str,
    ) -> Result<(Order, Touched), ApiError> {
        let mut tx = Tx::new(self.conn().await?);
        let mut first = Batch::default();
        let rev = begin(&mut first);
        let order = first.push(stored_locked(), vec![p(order_no.to_owned())]);
        let rows = tx.run(first).await?;
        let s = first_stored(&rows[order])?.ok_or_else(ApiError::not_found)?;
        let revision = revision(&rows[rev]);
        let o = &s.order;
        if o.status == Status::Cancelled {
            let o = s.order;
            tx.commit().await?;
            return Ok((o, Touched::default()));
        }
        let now = Utc::now();
        let next = order::cancel(o, now).map_err(|_| cancel_too_late(o))?;
        let c = tx.client();
        let tree = state.pg_tree_at(&**c, revision).await?;
        let mut up = Upkeep::new(self, tree, revision);
        up.put(c, Some((&s.key, s.entry.clone())), &next).await?;
        add_event(
            &mut up.writes,
            &o.order_no,
            now,
            "upstream",
            o.current_outlet_code.as_deref(),
            "cancel",
            Some(o.status.as_str()),
            next.status.as_str(),
            None,
            None,
        );
        let touched = up
            .finish(tx)
            .await?
            .ok_or_else(|| ApiError::internal("a cancel inserted no order"))?;
        Ok((next, touched))
    }

    /// A group of inbound orders in one transaction (the intake's group
    /// commit): each answered as if alone, a refused one writing nothing;
    /// a database failure refuses the whole group. Wakes this hub's feeds.
    pub async fn inbound_batch(
        &self,
        state: &HubState,
        inbound: Vec<InboundOrder>,
    ) -> Result<Vec<Answer>, ApiError> {
        // In number order: two hubs given the same new numbers at once
        // then wait on each other's rows in one order, never in a circle.
        let mut order: Vec<(usize, InboundOrder)> = inbound.into_iter().enumerate().collect();
        order.sort_by(|a, b| a.1.order_no.trim().cmp(b.1.order_no.trim()));
        match self.inbound_group(state, &order).await? {
            Some(answers) => Ok(answers),
            // Another hub stored one of these numbers meanwhile (it has
            // committed: our insert waited for it). Once more, which now
            // finds it stored and answers it as a resend.
            None => self
                .inbound_group(state, &order)
                .await?
                .ok_or_else(|| ApiError::internal("inbound numbers raced twice")),
        }
    }

    /// [`Postgres::inbound_batch`]'s transaction, `None` (rolled back)
    /// when another writer inserted one of the numbers after this one read
    /// them.
    async fn inbound_group(
        &self,
        state: &HubState,
        group: &[(usize, InboundOrder)],
    ) -> Result<Option<Vec<Answer>>, ApiError> {
        let mut tx = Tx::new(self.conn().await?);
        let now = Utc::now();
        // Only orders that pass the checks are looked up: PostgreSQL's text
        // refuses a NUL, so one refused number would fail the whole
        // statement and with it every order of the group. `place` refuses
        // the others with the same `now`.
        let valid: Vec<&InboundOrder> = group
            .iter()
            .map(|(_, o)| o)
            .filter(|o| o.check_at(now).is_ok())
            .collect();
        let numbers: Vec<String> = valid.iter().map(|o| o.order_no.trim().to_owned()).collect();
        let accounts: Vec<String> = valid
            .iter()
            .filter(|o| o.current_outlet_code.is_none())
            .map(|o| o.ali_account.clone())
            .collect();
        let mut first = Batch::default();
        let rev = begin(&mut first);
        let existing = first.push(
            "SELECT order_no, body::text FROM orders WHERE order_no = ANY($1)",
            vec![p(numbers)],
        );
        let memory = first.push(
            "SELECT ali_account, outlet_code FROM dispatch_memory WHERE ali_account = ANY($1)",
            vec![p(accounts)],
        );
        let rows = tx.run(first).await?;
        let revision = revision(&rows[rev]);
        let mut before: HashMap<String, Order> = HashMap::new();
        for r in &rows[existing] {
            let body: String = r.get(1);
            let o = serde_json::from_str(&body).map_err(ApiError::internal)?;
            before.insert(r.get(0), o);
        }
        let mut remembered: HashMap<String, String> =
            rows[memory].iter().map(|r| (r.get(0), r.get(1))).collect();
        let c = tx.client();
        let tree = state.pg_tree_at(&**c, revision).await?;
        // Placed in memory first (each order seeing the dispatch memory the
        // ones before it taught), so every outlet's ancestors are read at once.
        let mut placed: Vec<(usize, Result<Placed, ApiError>)> = Vec::with_capacity(group.len());
        for (i, o) in group {
            placed.push((
                *i,
                place(o.clone(), &mut before, &mut remembered, &tree, now),
            ));
        }
        let mut up = Upkeep::new(self, tree.clone(), revision);
        let outlets: Vec<String> = placed
            .iter()
            .filter_map(|(_, p)| match p {
                Ok(Placed::New(o, _)) => o.current_outlet_code.as_deref(),
                _ => None,
            })
            .map(|c| c.trim().to_owned())
            .collect();
        up.know(c, &outlets).await?;
        let mut answers: Vec<Option<Answer>> = group.iter().map(|_| None).collect();
        for (i, p) in placed {
            let a = match p {
                Ok(Placed::New(order, outlet)) => {
                    up.put(c, None, &order).await?;
                    if let Some(o) = outlet
                        .as_deref()
                        .filter(|o| dispatch::can_receive(o, &tree))
                    {
                        up.memory.insert(order.ali_account.clone(), o.to_owned());
                    }
                    up.new_orders.created(&order, now, outlet.as_deref());
                    Ok((order, true))
                }
                Ok(Placed::Stored(order)) => Ok((order, false)),
                Err(e) => Err(e),
            };
            answers[i] = Some(a);
        }
        let Some(touched) = up.finish(tx).await? else {
            return Ok(None);
        };
        state.wakes.wake(&touched);
        Ok(Some(
            answers
                .into_iter()
                .map(|a| a.unwrap_or_else(|| Err(ApiError::internal("no answer"))))
                .collect(),
        ))
    }
}

/// An inbound order, placed.
enum Placed {
    /// New: the order and the outlet it was placed at.
    New(Order, Option<String>),
    /// Stored before (a resend), or earlier in the same group.
    Stored(Order),
}

/// One inbound order of a group, checked and placed in memory, as
/// `sqlite_intake`'s `create_in` does: `before` holds the orders stored
/// under the group's numbers (the new one joins it: a number twice in a
/// group is a resend), `remembered` the accounts' dispatch memory (what
/// this order teaches joins it for the group's later orders). A refused
/// order changes neither.
fn place(
    inbound: InboundOrder,
    before: &mut HashMap<String, Order>,
    remembered: &mut HashMap<String, String>,
    tree: &OutletTree,
    now: DateTime<Utc>,
) -> Result<Placed, ApiError> {
    inbound.check_at(now)?;
    let order_no = inbound.order_no.trim().to_owned();
    if let Some(existing) = before.get(&order_no) {
        return Ok(Placed::Stored(existing.clone()));
    }
    let memory = match &inbound.current_outlet_code {
        Some(_) => None,
        None => remembered.get(&inbound.ali_account).cloned(),
    };
    let (order, outlet) = intake::placed(inbound, memory.as_deref(), tree, now);
    if let Some(o) = outlet.as_deref().filter(|o| dispatch::can_receive(o, tree)) {
        remembered.insert(order.ali_account.clone(), o.to_owned());
    }
    before.insert(order_no, order.clone());
    Ok(Placed::New(order, outlet))
}

/// The reason lists an action may need.
pub(super) type Reasons<'r> = (
    &'r [crate::domain::params::Reason],
    &'r [crate::domain::params::Reason],
);

/// One action on the order `s` (`None`: no such order) inside `tx`, as
/// `order_routes::act` on SQLite. Returns the order and its new index key.
pub(super) async fn act(
    tx: &ClientWrapper,
    up: &mut Upkeep<'_>,
    tree: &OutletTree,
    user: &Staff,
    s: Option<Stored>,
    action: &Action,
    (return_reasons, failed_reasons): Reasons<'_>,
) -> Result<(Order, Key), ApiError> {
    let s = s.ok_or_else(ApiError::not_found)?;
    let o = &s.order;
    let now = Utc::now();
    let t = match order_routes::decide(tree, user, o, action, return_reasons, failed_reasons, now) {
        Ok(t) => t,
        Err(Refused::State) => {
            return Err(order_routes::conflict_after(
                last_event(tx, &o.order_no).await?,
                o,
            ));
        }
        Err(Refused::Other(e)) => return Err(e),
    };
    let key = up
        .put(tx, Some((&s.key, s.entry.clone())), &t.order)
        .await?;
    let outlet = order_routes::event_outlet(action, o);
    add_event(
        &mut up.writes,
        &o.order_no,
        now,
        &user.login,
        outlet.as_deref(),
        action.name(),
        Some(t.from.as_str()),
        t.to.as_str(),
        t.reason_code.as_deref(),
        t.note.as_deref().filter(|n| !n.is_empty()),
    );
    if let (true, Some(code)) = (order_routes::remembers_outlet(action), outlet) {
        up.memory.insert(t.order.ali_account.clone(), code);
    }
    Ok((t.order, key))
}

/// 开单 (`import_waybill`) on the order `s` inside the action's
/// transaction, as `waybills::import` on SQLite: everything checked
/// first, then a pending order accepted (its own event), billed and its
/// waybill stored.
#[allow(clippy::too_many_arguments)]
async fn import(
    tx: &ClientWrapper,
    up: &mut Upkeep<'_>,
    tree: &OutletTree,
    user: &Staff,
    s: Option<Stored>,
    draft: &WaybillDraft,
    logistics_no: Option<&str>,
    accept: Option<&AcceptFields>,
    reasons: Reasons<'_>,
) -> Result<Order, ApiError> {
    let s = s.ok_or_else(ApiError::not_found)?;
    let order_no = s.order.order_no.clone();
    let Some(pending_here) = waybills::billable_as(&s.order, tree, user, logistics_no)? else {
        return Err(order_routes::conflict_after(
            last_event(tx, &order_no).await?,
            &s.order,
        ));
    };
    let products = super::pg_rate_card::products(&**tx).await?;
    draft.check(&products, &number_pattern(tx).await?)?;
    let taken = tx
        .query_opt(
            &tx.prepare_cached("SELECT 1 FROM waybills WHERE waybill_no = $1")
                .await?,
            &[&draft.waybill_no],
        )
        .await?
        .is_some();
    if taken {
        return Err(waybills::waybill_no_taken());
    }
    let card =
        super::pg_rate_card::route_card(&**tx, &draft.product_code, &draft.dest_province).await?;
    let params = PriceParams::from_values(
        tx.query(
            &tx.prepare_cached("SELECT key, value FROM parameters")
                .await?,
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get::<_, String>(0), r.get::<_, serde_json::Value>(1)))
        .collect::<Vec<_>>()
        .iter()
        .map(|(k, v)| (k.as_str(), v)),
    );
    let mut quote = waybills::quote_on(tree, user, draft, &products, &card, &params)?;
    waybills::localize(&mut quote, Lang::ZhCn);
    let accept_action = pending_here
        .then(|| waybills::accept_first(&s.order, draft, accept, user))
        .transpose()?;

    // Everything checked: write.
    let (current, key, entry) = match accept_action {
        Some(a) => {
            // The accepted order's report entry is the one `put` just
            // wrote, which the upkeep remembers.
            let (o, key) = act(tx, up, tree, user, Some(s), &a, reasons).await?;
            (o, key, None)
        }
        None => (s.order, s.key, s.entry),
    };
    let now = Utc::now();
    let revision = meta_int(&**tx, "params_revision").await?;
    let b = match waybills::bill(&current, draft, quote, user, now, revision) {
        Ok(b) => b,
        Err(Refused::State) => {
            return Err(order_routes::conflict_after(
                last_event(tx, &order_no).await?,
                &current,
            ));
        }
        Err(Refused::Other(e)) => return Err(e),
    };
    up.put(tx, Some((&key, entry)), &b.order).await?;
    add_event(
        &mut up.writes,
        &order_no,
        now,
        &user.login,
        Some(&user.outlet_code),
        "import_waybill",
        Some(b.from.as_str()),
        b.to.as_str(),
        None,
        Some(&b.waybill.draft.waybill_no),
    );
    let w = &b.waybill;
    up.writes.push(
        "INSERT INTO waybills(waybill_no, order_no, billing_outlet_code, billed_by, billed_at,
             rate_line_id, rate_line_version, params_revision, published_fen, discount_fen,
             total_fen, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        vec![
            p(w.draft.waybill_no.clone()),
            p(w.order_no.clone()),
            p(w.billing_outlet_code.clone()),
            p(w.billed_by.clone()),
            p(w.billed_at),
            p(w.quote.rate_line_id),
            p(w.quote.rate_line_version),
            p(w.params_revision),
            p(w.quote.published_fen),
            p(w.quote.discount_fen),
            p(w.quote.total_fen),
            p(Json(w.clone())),
        ],
    );
    Ok(b.order)
}

/// Parameter `waybill.number_pattern`, compiled (the default if unset or
/// unusable).
async fn number_pattern(tx: &ClientWrapper) -> Result<WaybillPattern, ApiError> {
    let stored: Option<serde_json::Value> = tx
        .query_opt(
            &tx.prepare_cached("SELECT value FROM parameters WHERE key = 'waybill.number_pattern'")
                .await?,
            &[],
        )
        .await?
        .map(|r| r.get(0));
    let pattern = stored
        .as_ref()
        .and_then(serde_json::Value::as_str)
        .unwrap_or(DEFAULT_NUMBER_PATTERN);
    Ok(WaybillPattern::new(pattern).unwrap_or_default())
}

/// The order-level upkeep of one transaction: each order's own rows
/// queued in [`Upkeep::writes`] as it is written, the shared rows (counts,
/// report sums, dispatch memory) added up here; [`Upkeep::finish`] sends
/// the first, then the second with the notification and the change
/// numbers.
pub(super) struct Upkeep<'p> {
    closures: &'p Closures,
    /// The outlet revision this transaction read under the network lock.
    revision: i64,
    tree: Arc<OutletTree>,
    /// Each outlet's ancestors as this transaction uses them.
    closure: ClosureMap,
    /// The orders' own rows, in the order written.
    pub(super) writes: Batch,
    /// Statements of [`Upkeep::writes`] returning the `anc` of each scope
    /// row they added (1) or removed (-1) under a status.
    scope_rows: Vec<(usize, String, i64)>,
    /// The new orders' own rows, written a table at a time.
    new_orders: NewOrders,
    counts: BTreeMap<(String, String), i64>,
    sums: BTreeMap<(String, NaiveDate), [i64; 9]>,
    /// Each account's outlet to remember.
    memory: BTreeMap<String, String>,
    /// Each order's report entry as this transaction last wrote it.
    entries: HashMap<String, Option<Entry>>,
    touched: BTreeSet<String>,
    /// The change-log rows (ancestor, order) the stamp writes.
    logged: BTreeSet<(String, String)>,
    /// The orders written, in the order first written, each once.
    written: Vec<String>,
}

impl<'p> Upkeep<'p> {
    pub(super) fn new(pg: &'p Postgres, tree: Arc<OutletTree>, revision: i64) -> Self {
        Upkeep {
            closures: &pg.closures,
            revision,
            tree,
            closure: HashMap::new(),
            writes: Batch::default(),
            scope_rows: Vec::new(),
            new_orders: NewOrders::default(),
            counts: BTreeMap::new(),
            sums: BTreeMap::new(),
            memory: BTreeMap::new(),
            entries: HashMap::new(),
            touched: BTreeSet::new(),
            logged: BTreeSet::new(),
            written: Vec::new(),
        }
    }

    /// Reads the ancestors of those of `codes` not known yet, at once.
    async fn know(&mut self, tx: &ClientWrapper, codes: &[String]) -> Result<(), ApiError> {
        let mut missing: Vec<String> = Vec::new();
        for c in codes {
            if self.closure.contains_key(c) || missing.contains(c) {
                continue;
            }
            match self.closures.get(self.revision, c) {
                Some(k) => {
                    self.closure.insert(c.clone(), k);
                }
                None => missing.push(c.clone()),
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let rows = tx
            .query(
                &tx.prepare_cached(
                    "SELECT code, array_agg(anc) FROM outlet_closure WHERE code = ANY($1) GROUP BY code",
                )
                .await?,
                &[&missing],
            )
            .await?;
        let mut found: ClosureMap = rows
            .iter()
            .map(|r| (r.get::<_, String>(0), Arc::from(r.get::<_, Vec<String>>(1))))
            .collect();
        for c in missing {
            found.entry(c).or_insert_with(|| Arc::from(Vec::new()));
        }
        self.closures.put(self.revision, &found);
        self.closure.extend(found);
        Ok(())
    }

    async fn closure_of(
        &mut self,
        tx: &ClientWrapper,
        code: &str,
    ) -> Result<Arc<[String]>, ApiError> {
        if !self.closure.contains_key(code) {
            self.know(tx, &[code.to_owned()]).await?;
        }
        Ok(self
            .closure
            .get(code)
            .cloned()
            .unwrap_or_else(|| Arc::from(Vec::new())))
    }

    async fn listed(&mut self, tx: &ClientWrapper, k: &Key) -> Result<Vec<String>, ApiError> {
        let current = k.current.trim();
        let billing = k.billing.trim();
        let cur = self.closure_of(tx, current).await?;
        let bill = if billing.is_empty() || billing == current {
            Arc::from(Vec::new())
        } else {
            self.closure_of(tx, billing).await?
        };
        Ok(listed_under(cur.to_vec(), &bill))
    }

    /// Queues `o` written over the stored row keyed `old` with its report
    /// entry (`None`: a new order, written with the group's other new
    /// orders, [`NewOrders`]), with its outlets, index rows, change-log
    /// rows and report entry. Returns the row's new key.
    async fn put(
        &mut self,
        tx: &ClientWrapper,
        old: Option<(&Key, Option<Entry>)>,
        o: &Order,
    ) -> Result<Key, ApiError> {
        let Some((old, stored_entry)) = old else {
            return self.put_new(tx, o).await;
        };
        // The placed time never changes; the change number is stamped at
        // the end.
        self.writes.push(
            "UPDATE orders SET seq = NULL, status = $2, current_outlet_code = $3,
                 accepting_outlet_code = $4, billing_outlet_code = $5, body = $6
             WHERE order_no = $1",
            vec![
                p(o.order_no.clone()),
                p(o.status.as_str().to_owned()),
                p(o.current_outlet_code.clone()),
                p(o.accepting_outlet_code.clone()),
                p(o.billing_outlet_code.clone()),
                p(Json(o.clone())),
            ],
        );
        self.writes.push(
            "INSERT INTO order_outlets(order_no, outlet_code) SELECT $1, unnest($2::text[])
             ON CONFLICT DO NOTHING",
            vec![p(o.order_no.clone()), p(seen_at(o))],
        );
        let mut logged = self.listed(tx, old).await?;
        let i = self.writes.push(
            "DELETE FROM order_scope WHERE anc = ANY($1) AND status = $2
             AND created_at = $3 AND order_no = $4 RETURNING anc",
            vec![
                p(logged.clone()),
                p(old.status.clone()),
                p(old.created_at),
                p(o.order_no.clone()),
            ],
        );
        self.scope_rows.push((i, old.status.clone(), -1));
        self.count(ALL.to_owned(), &old.status, -1);
        let new = Key {
            status: o.status.as_str().to_owned(),
            created_at: old.created_at,
            current: o.current_outlet_code.clone().unwrap_or_default(),
            billing: o.billing_outlet_code.clone().unwrap_or_default(),
        };
        let ancs = self.listed(tx, &new).await?;
        let i = self.writes.push(
            "INSERT INTO order_scope(anc, status, created_at, order_no)
             SELECT unnest($1::text[]), $2, $3, $4 ON CONFLICT DO NOTHING RETURNING anc",
            vec![
                p(ancs.clone()),
                p(new.status.clone()),
                p(new.created_at),
                p(o.order_no.clone()),
            ],
        );
        self.scope_rows.push((i, new.status.clone(), 1));
        self.count(ALL.to_owned(), &new.status, 1);
        for a in ancs {
            if !logged.contains(&a) {
                logged.push(a);
            }
        }
        // Marked changed under its old and new ancestors, at the number
        // the stamp gives it.
        self.log(&o.order_no, logged);
        // The entry this transaction wrote last, else the stored one.
        let entry = match self.entries.remove(&o.order_no) {
            Some(written) => written,
            None => stored_entry,
        };
        if let Some(e) = self.record(tx, o, entry).await? {
            push_entry(&mut self.writes, &o.order_no, &e);
        }
        if !self.written.contains(&o.order_no) {
            self.written.push(o.order_no.clone());
        }
        Ok(new)
    }

    /// [`Upkeep::put`] of a new order: its rows join the transaction's
    /// other new orders' in [`Upkeep::new_orders`].
    async fn put_new(&mut self, tx: &ClientWrapper, o: &Order) -> Result<Key, ApiError> {
        self.new_orders.order(o, seen_at(o))?;
        let new = Key {
            status: o.status.as_str().to_owned(),
            created_at: o.created_at,
            current: o.current_outlet_code.clone().unwrap_or_default(),
            billing: o.billing_outlet_code.clone().unwrap_or_default(),
        };
        let ancs = self.listed(tx, &new).await?;
        self.new_orders.listed(o, &new.status, &ancs);
        self.count(ALL.to_owned(), &new.status, 1);
        self.log(&o.order_no, ancs);
        let entry = self.entries.remove(&o.order_no).flatten();
        if let Some(e) = self.record(tx, o, entry).await? {
            self.new_orders.entry(&o.order_no, &e);
        }
        if !self.written.contains(&o.order_no) {
            self.written.push(o.order_no.clone());
        }
        Ok(new)
    }

    /// Marks order `order_no` changed under `ancs`: its change-log rows,
    /// which the stamp writes at the order's number.
    fn log(&mut self, order_no: &str, ancs: Vec<String>) {
        for a in ancs {
            self.logged.insert((a.clone(), order_no.to_owned()));
            self.touched.insert(a);
        }
    }

    fn count(&mut self, anc: String, status: &str, by: i64) {
        *self.counts.entry((anc, status.to_owned())).or_insert(0) += by;
    }

    /// The keys the counters of an order counted for `code` go under.
    async fn counted(&mut self, tx: &ClientWrapper, code: &str) -> Result<Vec<String>, ApiError> {
        let closure = self.closure_of(tx, code.trim()).await?;
        if !closure.is_empty() {
            return Ok(closure.to_vec());
        }
        let hq: Vec<String> = self
            .tree
            .outlets()
            .filter(|o| o.kind == OutletKind::Hq)
            .map(|o| o.code.clone())
            .collect();
        Ok(pool_keys(&hq))
    }

    async fn sum(&mut self, tx: &ClientWrapper, e: &Entry, sign: i64) -> Result<(), ApiError> {
        let own = e.sums(sign);
        for anc in self.counted(tx, &e.responsible).await? {
            let s = self.sums.entry((anc, e.day)).or_default();
            for (s, d) in s.iter_mut().zip(own) {
                *s += d;
            }
        }
        if !e.billed_for.is_empty() {
            for anc in self.counted(tx, &e.billed_for).await? {
                self.sums.entry((anc, e.day)).or_default()[3] += sign;
            }
        }
        Ok(())
    }

    /// Counts `o` as just written in the report: its `old` entry out, its
    /// new one in (as `report::record` on SQLite). Returns the new entry
    /// when it differs from `old` (the caller writes it).
    async fn record(
        &mut self,
        tx: &ClientWrapper,
        o: &Order,
        old: Option<Entry>,
    ) -> Result<Option<Entry>, ApiError> {
        let holder = old.as_ref().map(|e| e.holder.clone()).unwrap_or_default();
        let current = o
            .current_outlet_code
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        let pool = current.is_empty() || in_pool(&self.closure_of(tx, current).await?);
        let new = report_rules::entry(o, &holder, pool);
        if old.as_ref() == Some(&new) {
            self.entries.insert(o.order_no.clone(), old);
            return Ok(None);
        }
        if let Some(old) = &old {
            self.sum(tx, old, -1).await?;
        }
        self.sum(tx, &new, 1).await?;
        self.entries.insert(o.order_no.clone(), Some(new.clone()));
        Ok(Some(new))
    }

    /// Sends the orders' own rows, then, in one more round trip, the
    /// shared rows in key order, the wake and the change numbers, last.
    /// Returns what was touched, for this hub's own waiting feeds; `None`
    /// when a new order's number was taken by another writer meanwhile
    /// (the caller rolls back).
    pub(super) async fn finish(mut self, mut tx: Tx) -> Result<Option<Touched>, ApiError> {
        let mut writes = std::mem::take(&mut self.writes);
        let new = std::mem::take(&mut self.new_orders).write(&mut writes);
        let rows = tx.run(writes).await?;
        if new
            .as_ref()
            .is_some_and(|n| rows[n.orders].len() != n.pushed)
        {
            tx.rollback().await?;
            return Ok(None);
        }
        for (i, status, by) in std::mem::take(&mut self.scope_rows) {
            for r in &rows[i] {
                self.count(r.get(0), &status, by);
            }
        }
        for r in new.map_or(&[][..], |n| &rows[n.scope][..]) {
            self.count(r.get(0), r.get(1), 1);
        }
        if self.written.is_empty() {
            tx.commit().await?;
            return Ok(Some(Touched::default()));
        }
        // Each statement below takes rows other writers wait for, in one
        // global order (memory, counts, sums by key, then the counter):
        // from here to the commit is all they wait.
        let mut shared = Batch::default();
        let (accounts, outlets): (Vec<String>, Vec<String>) = self
            .memory
            .into_iter()
            .filter(|(a, _)| !a.trim().is_empty())
            .unzip();
        if !accounts.is_empty() {
            shared.push(
                "INSERT INTO dispatch_memory(ali_account, outlet_code, updated_at)
                 SELECT a, o, $3 FROM unnest($1::text[], $2::text[]) AS m(a, o) ORDER BY a
                 ON CONFLICT (ali_account) DO UPDATE SET outlet_code = excluded.outlet_code,
                     updated_at = excluded.updated_at",
                vec![p(accounts), p(outlets), p(Utc::now())],
            );
        }
        let counts: Vec<_> = self.counts.into_iter().filter(|(_, n)| *n != 0).collect();
        if !counts.is_empty() {
            let ancs: Vec<String> = counts.iter().map(|((a, _), _)| a.clone()).collect();
            let statuses: Vec<String> = counts.iter().map(|((_, s), _)| s.clone()).collect();
            let ns: Vec<i64> = counts.iter().map(|(_, n)| *n).collect();
            shared.push(
                "INSERT INTO scope_count(anc, status, n)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ORDER BY 1, 2
                 ON CONFLICT (anc, status) DO UPDATE SET n = scope_count.n + excluded.n",
                vec![p(ancs), p(statuses), p(ns)],
            );
        }
        let sums: Vec<_> = self
            .sums
            .into_iter()
            .filter(|(_, s)| s.iter().any(|n| *n != 0))
            .collect();
        if !sums.is_empty() {
            let ancs: Vec<String> = sums.iter().map(|((a, _), _)| a.clone()).collect();
            let days: Vec<NaiveDate> = sums.iter().map(|((_, d), _)| *d).collect();
            let mut params = vec![p(ancs), p(days)];
            params.extend((0..9).map(|i| p(sums.iter().map(|(_, s)| s[i]).collect::<Vec<i64>>())));
            shared.push(
                "INSERT INTO report_day(anc, day, valid, billed, for_others, by_others, returned,
                     pickup_failed, cancelled, open, discount_fen)
                 SELECT * FROM unnest($1::text[], $2::date[], $3::bigint[], $4::bigint[],
                     $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],
                     $10::bigint[], $11::bigint[]) ORDER BY 1, 2
                 ON CONFLICT (anc, day) DO UPDATE SET valid = report_day.valid + excluded.valid,
                     billed = report_day.billed + excluded.billed,
                     for_others = report_day.for_others + excluded.for_others,
                     by_others = report_day.by_others + excluded.by_others,
                     returned = report_day.returned + excluded.returned,
                     pickup_failed = report_day.pickup_failed + excluded.pickup_failed,
                     cancelled = report_day.cancelled + excluded.cancelled,
                     open = report_day.open + excluded.open,
                     discount_fen = report_day.discount_fen + excluded.discount_fen",
                params,
            );
        }
        let touched = Touched::of(self.touched);
        // Delivered by PostgreSQL on commit only, once; before the stamp,
        // which must stay the last statement.
        shared.push(
            "SELECT pg_notify($1, $2)",
            vec![
                p(pg::notify::CHANNEL.to_owned()),
                p(pg::notify::payload(&touched)),
            ],
        );
        let n = self.written.len();
        let (ancs, owners): (Vec<String>, Vec<String>) = self.logged.into_iter().unzip();
        let stamp = shared.push(
            pg::changes::STAMP,
            vec![p(self.written), p(ancs), p(owners)],
        );
        let rows = tx.commit_with(shared).await?;
        pg::changes::checked(&rows[stamp], n).map_err(ApiError::internal)?;
        Ok(Some(touched))
    }
}

/// The outlets whose views an order is seen in: where it is, and where
/// it was billed (SPEC 3.5).
fn seen_at(o: &Order) -> Vec<String> {
    let mut at = vec![o.current_outlet_code.clone().unwrap_or_default()];
    at.extend(o.billing_outlet_code.clone());
    at
}

/// Queues the upsert of order `order_no`'s report entry `e`.
fn push_entry(b: &mut Batch, order_no: &str, e: &Entry) {
    b.push(
        "INSERT INTO report_entry(order_no, day, holder, resp, billed_for, valid, billed,
             returned, pickup_failed, cancelled, open, discount_fen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (order_no) DO UPDATE SET day = excluded.day, holder = excluded.holder,
             resp = excluded.resp, billed_for = excluded.billed_for, valid = excluded.valid,
             billed = excluded.billed, returned = excluded.returned,
             pickup_failed = excluded.pickup_failed, cancelled = excluded.cancelled,
             open = excluded.open, discount_fen = excluded.discount_fen",
        vec![
            p(order_no.to_owned()),
            p(e.day),
            p(e.holder.clone()),
            p(e.responsible.clone()),
            p(e.billed_for.clone()),
            p(e.valid),
            p(e.billed),
            p(e.returned),
            p(e.pickup_failed),
            p(e.cancelled),
            p(e.open),
            p(e.ali_discount_fen),
        ],
    );
}

/// Every ancestor an order is listed under, once each: its current
/// outlet's closure (the pool when the network has no such outlet), then
/// the billing outlet's (`billing`, empty when there is none or it is the
/// current outlet) without the pool, which is about where the order is,
/// not who billed it. As `scope_index::Indexer` lists it.
fn listed_under(current: Vec<String>, billing: &[String]) -> Vec<String> {
    let mut out = current;
    if out.is_empty() {
        out.push(POOL.to_owned());
    }
    for anc in billing {
        if anc != POOL && !out.contains(anc) {
            out.push(anc.clone());
        }
    }
    out
}

/// Whether an outlet with ancestors `closure` is the HQ pool: unknown to
/// the network, or HQ (whose closure holds the pool's key).
fn in_pool(closure: &[String]) -> bool {
    closure.is_empty() || closure.iter().any(|a| a == POOL)
}

/// The counter keys of an order counted for no or an unknown outlet: the
/// pool and every HQ.
fn pool_keys(hq: &[String]) -> Vec<String> {
    let mut out = vec![crate::hub::report::POOL_KEY.to_owned()];
    out.extend(hq.iter().cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn an_order_is_listed_where_it_is_and_where_it_was_billed_without_the_pool_twice() {
        assert_eq!(
            listed_under(v(&[]), &[]),
            v(&[POOL]),
            "unknown outlet: the pool"
        );
        assert_eq!(
            listed_under(v(&["A1", "A", "HQ"]), &v(&["B1", "B", "HQ"])),
            v(&["A1", "A", "HQ", "B1", "B"])
        );
        assert_eq!(
            listed_under(v(&["", "HQ"]), &v(&["B1", "B", "HQ", ""])),
            v(&["", "HQ", "B1", "B"]),
            "billing never adds the pool"
        );
        assert!(in_pool(&[]) && in_pool(&v(&["HQ", ""])) && !in_pool(&v(&["A1", "A", "HQ"])));
        assert_eq!(pool_keys(&v(&["HQ"])), v(&["", "HQ"]));
    }
}
