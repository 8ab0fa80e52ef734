//! Order writes on PostgreSQL (issue 15): an action under its
//! Idempotency-Key, a group of inbound orders, the customer's cancel.
//!
//! Each is one READ COMMITTED transaction that:
//! 1. claims the Idempotency-Key first (`INSERT … ON CONFLICT DO
//!    NOTHING`): a second hub sending the same key waits on the
//!    uncommitted key, then finds it stored and replays the answer;
//! 2. takes [`NETWORK_LOCK`] shared, so an outlet write (which takes it
//!    exclusively) cannot change the closure between this write reading
//!    an order's ancestors and committing the index rows built from them;
//! 3. locks the order row (`FOR UPDATE`), so two actions on one order
//!    through two hubs run one after the other, as on SQLite's one writer;
//! 4. writes the order (its `seq` NULL until the stamp), its event, its
//!    outlets, the dispatch memory, and the order-level upkeep: scope
//!    index rows and change-log rows ([`Upkeep::put`]) and report entry
//!    ([`Upkeep::record`]), whose count and sum deltas are added up in
//!    memory and written once, in key order ([`Upkeep::finish`]) so two
//!    writers lock the shared counter rows in the same order;
//! 5. queues the wake notification ([`pg::notify`], delivered on commit
//!    only) and, as its LAST statement, stamps the change numbers
//!    ([`pg::changes::STAMP`], whose comment says why that keeps the feed
//!    gap-free). Every lock this transaction needs was taken by the
//!    statements above, so while it holds the counter row it waits for
//!    nothing but its own commit.
//!
//! The upkeep is this engine's SQL of the same rules as SQLite's
//! `scope_index::Indexer` and `report::record`: what an order is listed
//! and counted under comes from the pure helpers at the end of this file.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::Transaction;
use tokio_postgres::Statement;
use tokio_postgres::types::Json;

use super::orders_write::{ActionWrite, answer, cancel_too_late, invalid_action, replay};
use super::postgres::{Postgres, meta_int};
use crate::api::OrderEvent;
use crate::domain::dispatch;
use crate::domain::order::{self, AcceptFields, Action, InboundOrder};
use crate::domain::pricing::{DEFAULT_NUMBER_PATTERN, PriceParams, WaybillDraft, WaybillPattern};
use crate::domain::report::{self as report_rules, Entry};
use crate::domain::{Order, OutletTree, Staff, Status};
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

/// An order as stored: the body and the index key of its row.
struct Stored {
    order: Order,
    key: Key,
}

/// What the scope index keys an order by.
#[derive(Debug, Clone)]
struct Key {
    status: String,
    created_at: DateTime<Utc>,
    current: String,
    billing: String,
}

async fn stored(
    tx: &Transaction<'_>,
    order_no: &str,
    lock: bool,
) -> Result<Option<Stored>, ApiError> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let row = tx
        .query_opt(
            &st(
                tx,
                &format!(
                "SELECT body::text, status, created_at, coalesce(trim(current_outlet_code), ''),
                        coalesce(trim(billing_outlet_code), '')
                 FROM orders WHERE order_no = $1{lock}"
            ),
            )
            .await?,
            &[&order_no],
        )
        .await?;
    let Some(r) = row else { return Ok(None) };
    let body: String = r.get(0);
    Ok(Some(Stored {
        order: serde_json::from_str(&body).map_err(ApiError::internal)?,
        key: Key {
            status: r.get(1),
            created_at: r.get(2),
            current: r.get(3),
            billing: r.get(4),
        },
    }))
}

/// `sql` prepared once per connection: a statement sent as text costs a
/// second round trip each time.
async fn st(tx: &Transaction<'_>, sql: &str) -> Result<Statement, ApiError> {
    Ok(tx.prepare_cached(sql).await?)
}

/// Starts an order write: the network lock, shared.
async fn begin(tx: &Transaction<'_>) -> Result<(), ApiError> {
    tx.execute(
        &st(tx, "SELECT pg_advisory_xact_lock_shared($1)").await?,
        &[&NETWORK_LOCK],
    )
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn add_event(
    tx: &Transaction<'_>,
    order_no: &str,
    at: DateTime<Utc>,
    actor: &str,
    outlet: Option<&str>,
    action: &str,
    from: Option<&str>,
    to: &str,
    reason: Option<&str>,
    note: Option<&str>,
) -> Result<(), ApiError> {
    tx.execute(
        &st(tx, "INSERT INTO order_events(order_no, at, actor_login, outlet_code, action, from_status, to_status, reason_code, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)").await?,
        &[&order_no, &at, &actor, &outlet, &action, &from, &to, &reason, &note],
    )
    .await?;
    Ok(())
}

async fn last_event(tx: &Transaction<'_>, order_no: &str) -> Result<Option<OrderEvent>, ApiError> {
    let row = tx
        .query_opt(
            &st(tx, "SELECT seq, at, actor_login, outlet_code, action, from_status, to_status, reason_code, note
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

async fn reasons(
    tx: &Transaction<'_>,
    key: &str,
) -> Result<Vec<crate::domain::params::Reason>, ApiError> {
    let stored: Option<String> = tx
        .query_opt(
            &st(tx, "SELECT value::text FROM parameters WHERE key = $1").await?,
            &[&key],
        )
        .await?
        .map(|r| r.get(0));
    order_routes::reasons_from(stored.as_deref(), key)
}

/// Remembers each account's outlet, in account order (two hubs'
/// batches then lock the memory rows in the same order).
async fn remember_outlets(
    tx: &Transaction<'_>,
    memory: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let (accounts, outlets): (Vec<&String>, Vec<&String>) =
        memory.iter().filter(|(a, _)| !a.trim().is_empty()).unzip();
    if accounts.is_empty() {
        return Ok(());
    }
    tx.execute(
        &st(
            tx,
            "INSERT INTO dispatch_memory(ali_account, outlet_code, updated_at)
         SELECT a, o, $3 FROM unnest($1::text[], $2::text[]) AS m(a, o) ORDER BY a
         ON CONFLICT (ali_account) DO UPDATE SET outlet_code = excluded.outlet_code,
             updated_at = excluded.updated_at",
        )
        .await?,
        &[&accounts, &outlets, &Utc::now()],
    )
    .await?;
    Ok(())
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
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        // Claimed first: the same key through another hub waits here
        // until this transaction ends, then replays what it stored (or,
        // after a rollback, claims the key itself).
        let claimed = tx
            .execute(
                &st(
                    &tx,
                    "INSERT INTO idempotency(key, login, request, status, response, created_at)
                 VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT (key) DO NOTHING",
                )
                .await?,
                &[&w.key, &w.staff.login, &w.request, &Utc::now()],
            )
            .await?;
        if claimed == 0 {
            let r = tx
                .query_one(
                    &st(
                        &tx,
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
        begin(&tx).await?;
        let tree = state.pg_tree(&*tx).await?;
        let mut up = Upkeep::default();
        let outcome = match serde_json::from_value::<Action>(w.action.clone()) {
            Ok(Action::ImportWaybill {
                waybill,
                logistics_no,
                accept,
            }) => {
                import(
                    &tx,
                    &mut up,
                    &tree,
                    &w.staff,
                    &w.order_no,
                    &waybill,
                    logistics_no.as_deref(),
                    accept.as_ref(),
                )
                .await
            }
            Ok(a) => act(&tx, &mut up, &tree, &w.staff, &w.order_no, &a).await,
            Err(e) => Err(invalid_action(e)),
        };
        let (status, text) = answer(outcome, w.lang)?;
        if status != 200 {
            tx.execute(
                &st(
                    &tx,
                    "DELETE FROM idempotency WHERE status <> 200 AND created_at < $1",
                )
                .await?,
                &[&w.refused_before],
            )
            .await?;
        }
        tx.execute(
            &st(
                &tx,
                "UPDATE idempotency SET status = $2, response = $3 WHERE key = $1",
            )
            .await?,
            &[&w.key, &i64::from(status), &text],
        )
        .await?;
        let touched = up.finish(&tx).await?;
        tx.commit().await?;
        Ok(((status, text), touched))
    }

    /// See [`HubState::inbound_cancel`].
    pub async fn inbound_cancel(
        &self,
        _state: &HubState,
        order_no: &str,
    ) -> Result<(Order, Touched), ApiError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        begin(&tx).await?;
        let s = stored(&tx, order_no, true)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let o = s.order;
        if o.status == Status::Cancelled {
            tx.commit().await?;
            return Ok((o, Touched::default()));
        }
        let now = Utc::now();
        let next = order::cancel(&o, now).map_err(|_| cancel_too_late(&o))?;
        let mut up = Upkeep::default();
        up.put(&tx, Some(&s.key), &next).await?;
        add_event(
            &tx,
            &o.order_no,
            now,
            "upstream",
            o.current_outlet_code.as_deref(),
            "cancel",
            Some(o.status.as_str()),
            next.status.as_str(),
            None,
            None,
        )
        .await?;
        let touched = up.finish(&tx).await?;
        tx.commit().await?;
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
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        begin(&tx).await?;
        let tree = state.pg_tree(&*tx).await?;
        let now = Utc::now();
        let mut up = Upkeep::default();
        let mut memory: BTreeMap<String, String> = BTreeMap::new();
        // In number order: two hubs given the same new numbers at once
        // then wait on each other's rows in one order, never in a circle.
        let mut order: Vec<(usize, InboundOrder)> = inbound.into_iter().enumerate().collect();
        order.sort_by(|a, b| a.1.order_no.trim().cmp(b.1.order_no.trim()));
        let mut answers: Vec<Option<Answer>> = order.iter().map(|_| None).collect();
        for (i, o) in order {
            let a = match create(&tx, &mut up, &mut memory, &tree, o, now).await {
                Err(e) if e.status.is_server_error() => return Err(e),
                a => a,
            };
            answers[i] = Some(a);
        }
        remember_outlets(&tx, &memory).await?;
        let touched = up.finish(&tx).await?;
        tx.commit().await?;
        state.wakes.wake(&touched);
        Ok(answers
            .into_iter()
            .map(|a| a.unwrap_or_else(|| Err(ApiError::internal("no answer"))))
            .collect())
    }
}

/// One action on `order_no` inside `tx`, as `order_routes::act` on SQLite.
async fn act(
    tx: &Transaction<'_>,
    up: &mut Upkeep,
    tree: &OutletTree,
    user: &Staff,
    order_no: &str,
    action: &Action,
) -> Result<Order, ApiError> {
    let s = stored(tx, order_no, true)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let o = &s.order;
    let return_reasons = reasons(tx, "reasons.return").await?;
    let failed_reasons = reasons(tx, "reasons.pickup_failed").await?;
    let now = Utc::now();
    let t = match order_routes::decide(tree, user, o, action, &return_reasons, &failed_reasons, now)
    {
        Ok(t) => t,
        Err(Refused::State) => {
            return Err(order_routes::conflict_after(
                last_event(tx, order_no).await?,
                o,
            ));
        }
        Err(Refused::Other(e)) => return Err(e),
    };
    up.put(tx, Some(&s.key), &t.order).await?;
    let outlet = order_routes::event_outlet(action, o);
    add_event(
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
    )
    .await?;
    if let (true, Some(code)) = (order_routes::remembers_outlet(action), outlet) {
        let memory = BTreeMap::from([(t.order.ali_account.clone(), code)]);
        remember_outlets(tx, &memory).await?;
    }
    Ok(t.order)
}

/// 开单 (`import_waybill`) inside the action's transaction, as
/// `waybills::import` on SQLite: everything checked first, then a pending
/// order accepted (its own event), billed and its waybill stored.
#[allow(clippy::too_many_arguments)]
async fn import(
    tx: &Transaction<'_>,
    up: &mut Upkeep,
    tree: &OutletTree,
    user: &Staff,
    order_no: &str,
    draft: &WaybillDraft,
    logistics_no: Option<&str>,
    accept: Option<&AcceptFields>,
) -> Result<Order, ApiError> {
    let s = stored(tx, order_no, true)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let o = s.order;
    let Some(pending_here) = waybills::billable_as(&o, tree, user, logistics_no)? else {
        return Err(order_routes::conflict_after(
            last_event(tx, order_no).await?,
            &o,
        ));
    };
    let products = super::pg_rate_card::products(&**tx).await?;
    draft.check(&products, &number_pattern(tx).await?)?;
    let taken = tx
        .query_opt(
            &st(tx, "SELECT 1 FROM waybills WHERE waybill_no = $1").await?,
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
        tx.query(&st(tx, "SELECT key, value FROM parameters").await?, &[])
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
        .then(|| waybills::accept_first(&o, draft, accept, user))
        .transpose()?;

    // Everything checked: write.
    let (current, key) = match accept_action {
        Some(a) => {
            act(tx, up, tree, user, order_no, &a).await?;
            let s = stored(tx, order_no, false)
                .await?
                .ok_or_else(ApiError::not_found)?;
            (s.order, s.key)
        }
        None => (o, s.key),
    };
    let now = Utc::now();
    let revision = meta_int(&**tx, "params_revision").await?;
    let b = match waybills::bill(&current, draft, quote, user, now, revision) {
        Ok(b) => b,
        Err(Refused::State) => {
            return Err(order_routes::conflict_after(
                last_event(tx, order_no).await?,
                &current,
            ));
        }
        Err(Refused::Other(e)) => return Err(e),
    };
    up.put(tx, Some(&key), &b.order).await?;
    add_event(
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
    )
    .await?;
    let w = &b.waybill;
    tx.execute(
        &st(
            tx,
            "INSERT INTO waybills(waybill_no, order_no, billing_outlet_code, billed_by, billed_at,
             rate_line_id, rate_line_version, params_revision, published_fen, discount_fen,
             total_fen, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .await?,
        &[
            &w.draft.waybill_no,
            &w.order_no,
            &w.billing_outlet_code,
            &w.billed_by,
            &w.billed_at,
            &w.quote.rate_line_id,
            &w.quote.rate_line_version,
            &w.params_revision,
            &w.quote.published_fen,
            &w.quote.discount_fen,
            &w.quote.total_fen,
            &Json(w),
        ],
    )
    .await?;
    Ok(b.order)
}

/// Parameter `waybill.number_pattern`, compiled (the default if unset or
/// unusable).
async fn number_pattern(tx: &Transaction<'_>) -> Result<WaybillPattern, ApiError> {
    let stored: Option<serde_json::Value> = tx
        .query_opt(
            &st(
                tx,
                "SELECT value FROM parameters WHERE key = 'waybill.number_pattern'",
            )
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

/// One inbound order inside the group's transaction, as
/// `intake::create_in` on SQLite; the dispatch memory it teaches is kept
/// in `memory` (seen by the group's later orders, written at the end).
async fn create(
    tx: &Transaction<'_>,
    up: &mut Upkeep,
    memory: &mut BTreeMap<String, String>,
    tree: &OutletTree,
    inbound: InboundOrder,
    now: DateTime<Utc>,
) -> Answer {
    inbound.check_at(now)?;
    let order_no = inbound.order_no.trim().to_owned();
    if let Some(existing) = stored(tx, &order_no, false).await? {
        return Ok((existing.order, false));
    }
    let remembered = match (
        &inbound.current_outlet_code,
        memory.get(&inbound.ali_account),
    ) {
        (Some(_), _) => None,
        (None, Some(m)) => Some(m.clone()),
        (None, None) => tx
            .query_opt(
                &st(
                    tx,
                    "SELECT outlet_code FROM dispatch_memory WHERE ali_account = $1",
                )
                .await?,
                &[&inbound.ali_account],
            )
            .await?
            .map(|r| r.get(0)),
    };
    let (order, outlet) = intake::placed(inbound, remembered.as_deref(), tree, now);
    if !up.put(tx, None, &order).await? {
        // Another hub stored the number meanwhile (and has committed:
        // the insert waited for it).
        let existing = stored(tx, &order_no, false)
            .await?
            .ok_or_else(|| ApiError::internal("order vanished"))?;
        return Ok((existing.order, false));
    }
    if let Some(o) = outlet.as_deref().filter(|o| dispatch::can_receive(o, tree)) {
        memory.insert(order.ali_account.clone(), o.to_owned());
    }
    add_event(
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
    )
    .await?;
    Ok((order, true))
}

/// The order-level upkeep of one transaction: index rows written as each
/// order is, the counts and report sums added up here and written once
/// by [`Upkeep::finish`] with the notification and the change numbers.
#[derive(Default)]
struct Upkeep {
    /// Each outlet's ancestors, read once per transaction (the network
    /// lock keeps them still).
    closure: HashMap<String, Vec<String>>,
    /// The HQ outlets (an unknown outlet counts for the pool and HQ).
    hq: Option<Vec<String>>,
    counts: BTreeMap<(String, String), i64>,
    sums: BTreeMap<(String, NaiveDate), [i64; 9]>,
    touched: BTreeSet<String>,
    /// The orders written, in the order first written, each once.
    written: Vec<String>,
}

impl Upkeep {
    async fn closure_of(
        &mut self,
        tx: &Transaction<'_>,
        code: &str,
    ) -> Result<Vec<String>, ApiError> {
        if let Some(known) = self.closure.get(code) {
            return Ok(known.clone());
        }
        let found: Vec<String> = tx
            .query(
                &st(tx, "SELECT anc FROM outlet_closure WHERE code = $1").await?,
                &[&code],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        self.closure.insert(code.to_owned(), found.clone());
        Ok(found)
    }

    async fn listed(&mut self, tx: &Transaction<'_>, k: &Key) -> Result<Vec<String>, ApiError> {
        let current = k.current.trim();
        let billing = k.billing.trim();
        let cur = self.closure_of(tx, current).await?;
        let bill = if billing.is_empty() || billing == current {
            Vec::new()
        } else {
            self.closure_of(tx, billing).await?
        };
        Ok(listed_under(cur, &bill))
    }

    /// Writes `o` over the stored row keyed `old` (`None`: a new order,
    /// which `false` says another transaction stored first), with its
    /// outlets, index rows, change-log rows and report entry.
    async fn put(
        &mut self,
        tx: &Transaction<'_>,
        old: Option<&Key>,
        o: &Order,
    ) -> Result<bool, ApiError> {
        let row = [
            &o.order_no as &(dyn tokio_postgres::types::ToSql + Sync),
            &o.status.as_str(),
            &o.current_outlet_code,
            &o.accepting_outlet_code,
            &o.billing_outlet_code,
            &o.created_at,
            &Json(o),
        ];
        const INSERT: &str = "INSERT INTO orders(order_no, seq, status, current_outlet_code,
                accepting_outlet_code, billing_outlet_code, created_at, body)
            VALUES ($1, NULL, $2, $3, $4, $5, $6, $7)";
        if old.is_some() {
            // The placed time never changes; the change number is stamped
            // at the end.
            tx.execute(
                &st(
                    tx,
                    "UPDATE orders SET seq = NULL, status = $2, current_outlet_code = $3,
                     accepting_outlet_code = $4, billing_outlet_code = $5, body = $6
                 WHERE order_no = $1",
                )
                .await?,
                &[row[0], row[1], row[2], row[3], row[4], row[6]],
            )
            .await?;
        } else if tx
            .execute(
                &st(tx, &format!("{INSERT} ON CONFLICT (order_no) DO NOTHING")).await?,
                &row,
            )
            .await?
            == 0
        {
            return Ok(false);
        }
        let mut at = vec![o.current_outlet_code.clone().unwrap_or_default()];
        // The billing outlet's view follows the order too (SPEC 3.5).
        at.extend(o.billing_outlet_code.clone());
        tx.execute(
            &st(
                tx,
                "INSERT INTO order_outlets(order_no, outlet_code) SELECT $1, unnest($2::text[])
             ON CONFLICT DO NOTHING",
            )
            .await?,
            &[&o.order_no, &at],
        )
        .await?;

        let mut logged: Vec<String> = Vec::new();
        if let Some(old) = old {
            let ancs = self.listed(tx, old).await?;
            let gone = tx
                .query(
                    &st(
                        tx,
                        "DELETE FROM order_scope WHERE anc = ANY($1) AND status = $2
                         AND created_at = $3 AND order_no = $4 RETURNING anc",
                    )
                    .await?,
                    &[&ancs, &old.status, &old.created_at, &o.order_no],
                )
                .await?;
            for r in gone {
                self.count(r.get(0), &old.status, -1);
            }
            self.count(ALL.to_owned(), &old.status, -1);
            logged.extend(ancs);
        }
        let new = Key {
            status: o.status.as_str().to_owned(),
            created_at: old.map_or(o.created_at, |k| k.created_at),
            current: o.current_outlet_code.clone().unwrap_or_default(),
            billing: o.billing_outlet_code.clone().unwrap_or_default(),
        };
        let ancs = self.listed(tx, &new).await?;
        let added = tx
            .query(
                &st(
                    tx,
                    "INSERT INTO order_scope(anc, status, created_at, order_no)
                 SELECT unnest($1::text[]), $2, $3, $4 ON CONFLICT DO NOTHING RETURNING anc",
                )
                .await?,
                &[&ancs, &new.status, &new.created_at, &o.order_no],
            )
            .await?;
        for r in added {
            self.count(r.get(0), &new.status, 1);
        }
        self.count(ALL.to_owned(), &new.status, 1);
        for a in ancs {
            if !logged.contains(&a) {
                logged.push(a);
            }
        }
        // Marked changed under its old and new ancestors, at the number
        // the stamp gives it.
        tx.execute(
            &st(
                tx,
                "INSERT INTO order_feed(anc, order_no, seq) SELECT unnest($1::text[]), $2, NULL
             ON CONFLICT (anc, order_no) DO UPDATE SET seq = NULL",
            )
            .await?,
            &[&logged, &o.order_no],
        )
        .await?;
        self.touched.extend(logged);
        self.record(tx, o).await?;
        if !self.written.contains(&o.order_no) {
            self.written.push(o.order_no.clone());
        }
        Ok(true)
    }

    fn count(&mut self, anc: String, status: &str, by: i64) {
        *self.counts.entry((anc, status.to_owned())).or_insert(0) += by;
    }

    /// The keys the counters of an order counted for `code` go under.
    async fn counted(&mut self, tx: &Transaction<'_>, code: &str) -> Result<Vec<String>, ApiError> {
        let closure = self.closure_of(tx, code.trim()).await?;
        if !closure.is_empty() {
            return Ok(closure);
        }
        if self.hq.is_none() {
            let hq = tx
                .query(
                    &st(tx, "SELECT code FROM outlets WHERE kind = 'hq'").await?,
                    &[],
                )
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            self.hq = Some(hq);
        }
        Ok(pool_keys(self.hq.as_deref().unwrap_or_default()))
    }

    async fn sum(&mut self, tx: &Transaction<'_>, e: &Entry, sign: i64) -> Result<(), ApiError> {
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

    /// Counts `o` as just written in the report: its old entry out, its
    /// new one in (as `report::record` on SQLite).
    async fn record(&mut self, tx: &Transaction<'_>, o: &Order) -> Result<(), ApiError> {
        let old = tx
            .query_opt(
                &st(
                    tx,
                    "SELECT day, holder, resp, billed_for, valid, billed, returned, pickup_failed,
                        cancelled, open, discount_fen
                 FROM report_entry WHERE order_no = $1",
                )
                .await?,
                &[&o.order_no],
            )
            .await?
            .map(|r| Entry {
                day: r.get(0),
                holder: r.get(1),
                responsible: r.get(2),
                billed_for: r.get(3),
                valid: r.get(4),
                billed: r.get(5),
                returned: r.get(6),
                pickup_failed: r.get(7),
                cancelled: r.get(8),
                open: r.get(9),
                ali_discount_fen: r.get(10),
            });
        let holder = old.as_ref().map(|e| e.holder.clone()).unwrap_or_default();
        let current = o
            .current_outlet_code
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        let pool = current.is_empty() || in_pool(&self.closure_of(tx, current).await?);
        let new = report_rules::entry(o, &holder, pool);
        if old.as_ref() == Some(&new) {
            return Ok(());
        }
        if let Some(old) = &old {
            self.sum(tx, old, -1).await?;
        }
        self.sum(tx, &new, 1).await?;
        tx.execute(
            &st(
                tx,
                "INSERT INTO report_entry(order_no, day, holder, resp, billed_for, valid, billed,
                 returned, pickup_failed, cancelled, open, discount_fen)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (order_no) DO UPDATE SET day = excluded.day, holder = excluded.holder,
                 resp = excluded.resp, billed_for = excluded.billed_for, valid = excluded.valid,
                 billed = excluded.billed, returned = excluded.returned,
                 pickup_failed = excluded.pickup_failed, cancelled = excluded.cancelled,
                 open = excluded.open, discount_fen = excluded.discount_fen",
            )
            .await?,
            &[
                &o.order_no,
                &new.day,
                &new.holder,
                &new.responsible,
                &new.billed_for,
                &new.valid,
                &new.billed,
                &new.returned,
                &new.pickup_failed,
                &new.cancelled,
                &new.open,
                &new.ali_discount_fen,
            ],
        )
        .await?;
        Ok(())
    }

    /// Writes the counts and sums (in key order), queues the wake and
    /// stamps the change numbers, last. Returns what was touched, for
    /// this hub's own waiting feeds.
    async fn finish(self, tx: &Transaction<'_>) -> Result<Touched, ApiError> {
        if self.written.is_empty() {
            return Ok(Touched::default());
        }
        let counts: Vec<_> = self.counts.into_iter().filter(|(_, n)| *n != 0).collect();
        if !counts.is_empty() {
            let ancs: Vec<&str> = counts.iter().map(|((a, _), _)| a.as_str()).collect();
            let statuses: Vec<&str> = counts.iter().map(|((_, s), _)| s.as_str()).collect();
            let ns: Vec<i64> = counts.iter().map(|(_, n)| *n).collect();
            tx.execute(
                &st(
                    tx,
                    "INSERT INTO scope_count(anc, status, n)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ORDER BY 1, 2
                 ON CONFLICT (anc, status) DO UPDATE SET n = scope_count.n + excluded.n",
                )
                .await?,
                &[&ancs, &statuses, &ns],
            )
            .await?;
        }
        let sums: Vec<_> = self
            .sums
            .into_iter()
            .filter(|(_, s)| s.iter().any(|n| *n != 0))
            .collect();
        if !sums.is_empty() {
            let ancs: Vec<&str> = sums.iter().map(|((a, _), _)| a.as_str()).collect();
            let days: Vec<NaiveDate> = sums.iter().map(|((_, d), _)| *d).collect();
            let col = |i: usize| -> Vec<i64> { sums.iter().map(|(_, s)| s[i]).collect() };
            let cols: Vec<Vec<i64>> = (0..9).map(col).collect();
            tx.execute(
                &st(tx, "INSERT INTO report_day(anc, day, valid, billed, for_others, by_others, returned,
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
                     discount_fen = report_day.discount_fen + excluded.discount_fen").await?,
                &[
                    &ancs, &days, &cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5],
                    &cols[6], &cols[7], &cols[8],
                ],
            )
            .await?;
        }
        let touched = Touched::of(self.touched);
        // Delivered by PostgreSQL on commit only, once; before the stamp,
        // which must stay the last statement.
        tx.execute(
            &st(tx, "SELECT pg_notify($1, $2)").await?,
            &[&pg::notify::CHANNEL, &pg::notify::payload(&touched)],
        )
        .await?;
        pg::changes::stamp(tx, &self.written)
            .await
            .map_err(ApiError::internal)?;
        Ok(touched)
    }
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
