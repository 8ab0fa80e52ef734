//! Cached orders (the server's rows), paged for the list with the
//! outbox's state on top (see `outbox`). A full resync rebuilds these and
//! never touches the outbox.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};

use super::bulk::Gathering;
use super::outbox::OutboxState;
use super::scope::{self, Indexer, Keyed};
use super::{Store, StoreError, get_meta, set_meta};
use crate::api::ChangesPage;
use crate::api::feed::{OrderKeys, RawChangesPage};
use crate::domain::{Action, Order, Status};

pub(super) fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

/// The list counts at most this many (and one more, to say "more").
pub const COUNT_CAP: i64 = 10_000;

/// One row of the order list: the server's order with the outbox on top.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    pub order: Order,
    pub outbox: OutboxState,
    /// The action waiting in the outbox, if any (shown as "受理 待发送").
    pub pending_action: Option<Action>,
}

/// Which orders a list shows, by place.
#[derive(Debug, Clone, PartialEq)]
pub enum ListFilter {
    /// Everything cached (the user's whole view).
    All,
    /// The HQ pool: no outlet, the HQ code, or a code not in the network.
    Pool { hq_code: String },
    /// Orders at any of these outlets.
    Outlets(Vec<String>),
    /// Orders at this outlet or below it, or billed (代开) by one of them:
    /// read from the scope index, an exact count at any size.
    Subtree(String),
}

impl ListFilter {
    /// Whether [`Store::page`] counts this filter's orders exactly: every
    /// filter but a list of outlets, whose count stops at COUNT_CAP + 1.
    pub fn counts_exactly(&self) -> bool {
        !matches!(self, ListFilter::Outlets(_))
    }
}

/// Oldest or newest first, by placed time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    OldestFirst,
    NewestFirst,
}

/// A page request for the order list.
#[derive(Debug, Clone, PartialEq)]
pub struct PageQuery {
    pub filter: ListFilter,
    /// `None` = every status.
    pub status: Option<Status>,
    pub sort: SortOrder,
    pub offset: i64,
    pub limit: i64,
}

pub(super) fn upsert(c: &Connection, o: &Order) -> Result<(), StoreError> {
    let mut ix = scope::indexer(c);
    put(c, &mut ix, o)?;
    Ok(ix.finish()?)
}

/// Writes `o` unless the cache holds the same or a newer version, keeping
/// the scope index in step.
pub(super) fn put(c: &Connection, ix: &mut Indexer<'_>, o: &Order) -> Result<(), StoreError> {
    let body = serde_json::to_string(o).map_err(json_err)?;
    put_raw(c, ix, &OrderKeys::of(o), &body, false, &mut None)
}

/// [`put`] of an order's body as the hub sent it, with its keys read out.
/// During a bulk load (`bulk`, see [`super::bulk`]) only the row and the
/// whole table's counts are written, and a new order costs one statement
/// (its index columns go to `gathering`, when the load keeps them).
fn put_raw(
    c: &Connection,
    ix: &mut Indexer<'_>,
    o: &OrderKeys,
    body: &str,
    bulk: bool,
    gathering: &mut Option<Gathering>,
) -> Result<(), StoreError> {
    let status = o.status.as_str();
    let current = o.current_outlet_code.as_deref().unwrap_or_default();
    let billing = o.billing_outlet_code.as_deref().unwrap_or_default();
    let created_at = o.created_at.timestamp_millis();
    let contacted = o.contacted_at.is_some();
    let args = params![
        o.order_no, o.version, status, current, created_at, contacted, body, billing
    ];
    if bulk
        && c.prepare_cached(
            "INSERT OR IGNORE INTO orders(order_no, version, status, current_outlet_code, created_at, contacted, body, billing_outlet_code)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        )?
        .execute(args)?
            > 0
    {
        // A load's new order: counted, and its index columns kept for
        // the end, without copying them into an owned key first.
        ix.total_of(status, contacted, 1);
        if let Some(g) = gathering {
            g.add(
                &o.order_no,
                status,
                rusqlite::types::ValueRef::Integer(created_at),
                contacted,
                current,
                billing,
            );
        }
        return Ok(());
    }
    let k = Keyed {
        order_no: o.order_no.clone(),
        status: status.to_owned(),
        created_at: created_at.into(),
        contacted,
        current: current.to_owned(),
        billing: billing.to_owned(),
    };
    let stored = scope::stored(c, &o.order_no)?;
    // An older or equal version never replaces a newer row.
    if stored.as_ref().is_some_and(|(v, _)| *v >= o.version) {
        return Ok(());
    }
    if let Some((_, old)) = stored {
        if bulk {
            ix.total_only(&old, -1);
        } else {
            ix.remove(&old)?;
        }
        c.prepare_cached(
            "UPDATE orders SET version=?2, status=?3, current_outlet_code=?4, created_at=?5,
               contacted=?6, body=?7, billing_outlet_code=?8 WHERE order_no=?1",
        )?
        .execute(args)?;
    } else {
        c.prepare_cached(
            "INSERT INTO orders(order_no, version, status, current_outlet_code, created_at, contacted, body, billing_outlet_code)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        )?
        .execute(args)?;
    }
    if bulk {
        ix.total_only(&k, 1);
        return Ok(());
    }
    Ok(ix.add(&k)?)
}

/// Drops one cached order and its index rows.
pub(super) fn delete(
    c: &Connection,
    ix: &mut Indexer<'_>,
    order_no: &str,
) -> Result<(), StoreError> {
    if let Some((_, k)) = scope::stored(c, order_no)? {
        ix.remove(&k)?;
        c.prepare_cached("DELETE FROM orders WHERE order_no = ?1")?
            .execute([order_no])?;
    }
    Ok(())
}

/// Outbox states that are the clerk's own unfinished business on an order:
/// to be sent, being sent, or refused and not yet read.
const OWN_WORK: &str = "state IN ('queued', 'sending', 'rejected')";

fn parse_order(body: &str) -> Result<Order, StoreError> {
    serde_json::from_str(body).map_err(json_err)
}

/// One pulled page's orders and removals, inside the caller's transaction.
/// How long a backlog's next transaction waits for the log to be copied
/// (see [`super::bulk::Checkpointer::wait_copied`]).
const WAIT_COPIED: std::time::Duration = std::time::Duration::from_millis(60);

fn write_page(
    tx: &Connection,
    ix: &mut Indexer<'_>,
    page: &RawChangesPage,
    resyncing: bool,
    bulk: bool,
    gathering: &mut Option<Gathering>,
) -> Result<(), StoreError> {
    for o in &page.orders {
        put_raw(tx, ix, &o.keys, o.body.get(), bulk, gathering)?;
        if resyncing {
            tx.prepare_cached("INSERT OR IGNORE INTO resync_seen(order_no) VALUES (?1)")?
                .execute([&o.keys.order_no])?;
        }
    }
    // Back in view: no longer kept only for an unread refusal
    // (the table is almost always empty; no work then).
    let left_view: bool =
        tx.query_row("SELECT EXISTS(SELECT 1 FROM left_view)", [], |r| r.get(0))?;
    if left_view {
        let mut st = tx.prepare_cached("DELETE FROM left_view WHERE order_no = ?1")?;
        for o in &page.orders {
            st.execute([&o.keys.order_no])?;
        }
    }
    for no in &page.removed {
        // The clerk's own work on it (an unread refusal, or an
        // action still to send, which will be refused) keeps the
        // order on screen until read; reading it drops both.
        let own_work: bool = tx.query_row(
            &format!("SELECT EXISTS(SELECT 1 FROM outbox WHERE order_no = ?1 AND {OWN_WORK})"),
            [no],
            |r| r.get(0),
        )?;
        if own_work {
            tx.execute(
                "INSERT OR IGNORE INTO left_view(order_no) VALUES (?1)",
                [no],
            )?;
        } else {
            delete(tx, ix, no)?;
        }
    }
    if resyncing && !page.more {
        // The resync is complete: what it did not bring is no
        // longer in view (an unread refusal still keeps its order).
        tx.execute(
                &format!(
                    "INSERT OR IGNORE INTO left_view(order_no)
                     SELECT order_no FROM orders WHERE order_no NOT IN (SELECT order_no FROM resync_seen)
                       AND order_no IN (SELECT order_no FROM outbox WHERE {OWN_WORK})"
                ),
                [],
            )?;
        let gone: Vec<String> = tx
                .prepare(
                    "SELECT order_no FROM orders WHERE order_no NOT IN (SELECT order_no FROM resync_seen)
                       AND order_no NOT IN (SELECT order_no FROM left_view)",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
        for no in &gone {
            delete(tx, ix, no)?;
        }
        tx.execute("DELETE FROM resync_seen", [])?;
        tx.execute("DELETE FROM meta WHERE key = 'resync'", [])?;
    }
    Ok(())
}

impl Store {
    /// Writes one pulled page and its cursor in one transaction: both are
    /// there or neither.
    pub fn apply_page(&self, page: &ChangesPage) -> Result<(), StoreError> {
        let raw = RawChangesPage::of(page).map_err(json_err)?;
        self.apply_pages(std::slice::from_ref(&raw))
    }

    /// Writes pulled pages, in feed order, and the last one's cursor in one
    /// transaction: all are there or none. Each body is stored as the hub
    /// sent it.
    ///
    /// Pages with more behind them (a backlog, a cold sync) commit without
    /// waiting for the disk: WAL keeps the file consistent, a power cut
    /// loses at most those pages, whose cursor goes with them, so they are
    /// pulled again. The last page commits fully and makes them durable.
    ///
    /// A backlog into an empty cache is a bulk load ([`super::bulk`]):
    /// rows only, the indexes built once when its last page is written.
    pub fn apply_pages(&self, pages: &[RawChangesPage]) -> Result<(), StoreError> {
        let Some(last) = pages.last() else {
            return Ok(());
        };
        self.with(|c| {
            if last.more {
                c.execute_batch("PRAGMA synchronous=NORMAL")?;
                super::bulk::big_cache(c)?;
                self.backlog_checkpoints(c)?;
            }
            if let Some(cp) = self.lock_checkpointer().as_ref() {
                cp.wait_copied(WAIT_COPIED);
            }
            let started = std::time::Instant::now();
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let resyncing = get_meta(&tx, "resync")?.is_some();
            // Put back only once this transaction commits: what a failed
            // one gathered is not in the table.
            let mut gathering = self.lock_gathering().take();
            let bulk = if super::bulk::active(&tx)? {
                true
            } else {
                gathering = if last.more {
                    super::bulk::begin(&tx)?
                } else {
                    None
                };
                gathering.is_some()
            };
            let mut ix = scope::indexer(&tx).same_closure();
            for page in pages {
                write_page(&tx, &mut ix, page, resyncing, bulk, &mut gathering)?;
            }
            ix.finish()?;
            let written = started.elapsed();
            if bulk && !last.more {
                super::bulk::end(&tx, gathering.take().as_ref())?;
            }
            let indexed = started.elapsed();
            set_meta(&tx, "cursor", &last.cursor)?;
            set_meta(&tx, "last_pull", &Utc::now().to_rfc3339())?;
            let done = tx.commit();
            if done.is_ok() && bulk && last.more {
                *self.lock_gathering() = gathering;
            }
            if done.is_ok()
                && let Some(cp) = self.lock_checkpointer().as_ref()
            {
                cp.committed();
            }
            tracing::debug!(
                orders = pages.iter().map(|p| p.orders.len()).sum::<usize>(),
                bulk,
                rows_ms = written.as_millis() as u64,
                index_ms = (indexed - written).as_millis() as u64,
                commit_ms = (started.elapsed() - indexed).as_millis() as u64,
                "cache: pages written"
            );
            // Every other write on this connection (the outbox) waits
            // for the disk again, and the backlog's page cache goes.
            c.execute_batch("PRAGMA synchronous=FULL")?;
            if !last.more {
                super::bulk::small_cache(c)?;
                self.end_backlog_checkpoints(c)?;
            }
            done?;
            Ok(())
        })
    }

    /// A pull stopped before the head of the feed (offline, an error): a
    /// bulk load under way builds its indexes now, so the lists show what
    /// came; the rest arrives as ordinary pages.
    pub fn end_bulk_load(&self) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let gathering = self.lock_gathering().take();
            if super::bulk::active(&tx)? {
                super::bulk::end(&tx, gathering.as_ref())?;
            }
            tx.commit()?;
            super::bulk::small_cache(c)?;
            self.end_backlog_checkpoints(c)?;
            Ok(())
        })
    }

    /// A backlog is being written: its log is copied into the file by a
    /// thread of its own ([`super::bulk::Checkpointer`]).
    fn backlog_checkpoints(&self, c: &rusqlite::Connection) -> Result<(), StoreError> {
        let mut held = self.lock_checkpointer();
        if held.is_none() {
            *held = Some(super::bulk::Checkpointer::start(c, &self.path)?);
        }
        Ok(())
    }

    /// The backlog is written: this connection checkpoints by itself
    /// again.
    fn end_backlog_checkpoints(&self, c: &rusqlite::Connection) -> Result<(), StoreError> {
        match self.lock_checkpointer().take() {
            Some(cp) => cp.finish(c),
            None => Ok(()),
        }
    }

    /// Whether a first sync's bulk load is under way (its per-outlet lists
    /// are indexed when it ends).
    pub fn first_sync_under_way(&self) -> Result<bool, StoreError> {
        self.with(|c| super::bulk::active(c))
    }

    /// The saved feed cursor.
    pub fn cursor(&self) -> Result<Option<String>, StoreError> {
        self.with(|c| get_meta(c, "cursor"))
    }

    /// The user's view changed (moved to another outlet, or an outlet
    /// moved out of their subtree): drop at once every cached order they
    /// may no longer see, keeping only those with their own work on them
    /// (shown until read), then resync from the start.
    pub fn drop_view(&self) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                &format!(
                    "INSERT OR IGNORE INTO left_view(order_no)
                     SELECT order_no FROM orders
                     WHERE order_no IN (SELECT order_no FROM outbox WHERE {OWN_WORK})"
                ),
                [],
            )?;
            tx.execute(
                "DELETE FROM orders WHERE order_no NOT IN (SELECT order_no FROM left_view)",
                [],
            )?;
            // Few stay: listing them again beats un-listing every one gone.
            scope::rebuild_orders(&tx)?;
            if super::bulk::active(&tx)? {
                super::bulk::end(&tx, None)?;
            }
            tx.execute("DELETE FROM resync_seen", [])?;
            tx.execute("DELETE FROM meta WHERE key IN ('cursor', 'resync')", [])?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Starts a full resync: the cursor goes, but the cached orders stay
    /// on screen until the last page has come; then those it did not bring
    /// go (`apply_page`). A connection lost halfway leaves the clerk with
    /// the old list rather than an empty one. The outbox stays.
    pub fn begin_resync(&self) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM resync_seen", [])?;
            tx.execute("DELETE FROM meta WHERE key = 'cursor'", [])?;
            set_meta(&tx, "resync", "1")?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Makes the cache `login`'s: when someone else used this PC last, their
    /// orders (another branch's customers) are dropped before anything is
    /// shown. Their unsent actions stay, and are only ever sent as theirs.
    pub fn claim(&self, login: &str) -> Result<bool, StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let owner = get_meta(&tx, "owner")?;
            let changed = owner.as_deref() != Some(login);
            if changed {
                tx.execute("DELETE FROM orders", [])?;
                scope::clear_orders(&tx)?;
                if super::bulk::active(&tx)? {
                    super::bulk::end(&tx, None)?;
                }
                tx.execute("DELETE FROM left_view", [])?;
                tx.execute("DELETE FROM resync_seen", [])?;
                tx.execute("DELETE FROM meta WHERE key IN ('cursor', 'resync')", [])?;
                // The last report is the previous user's view too.
                tx.execute(
                    "DELETE FROM meta WHERE key = ?1",
                    [super::report_cache::LAST_REPORT],
                )?;
                set_meta(&tx, "owner", login)?;
            }
            tx.commit()?;
            Ok(changed)
        })
    }

    /// Who the cached orders belong to.
    pub fn owner(&self) -> Result<Option<String>, StoreError> {
        self.with(|c| get_meta(c, "owner"))
    }

    fn row_for(c: &Connection, order: Order) -> Result<OrderRow, StoreError> {
        // A refusal the clerk has not dismissed shows before the actions
        // queued after it: those wait for the clerk to read it.
        // Cached: a list page asks this once per row.
        let last: Option<(String, String, Option<String>)> = c
            .prepare_cached(
                "SELECT state, body, error FROM outbox WHERE order_no = ?1
                 AND state IN ('queued','sending','rejected','applied')
                 ORDER BY state = 'rejected' DESC, id DESC LIMIT 1",
            )?
            .query_row([&order.order_no], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let (outbox, pending_action) = match last {
            None => (OutboxState::None, None),
            Some((state, body, error)) => {
                let action = serde_json::from_str::<Action>(&body).ok();
                match state.as_str() {
                    "queued" => (OutboxState::Queued, action),
                    "sending" => (OutboxState::Sending, action),
                    "rejected" => (OutboxState::Rejected(error.unwrap_or_default()), None),
                    _ => (OutboxState::Synced, None),
                }
            }
        };
        Ok(OrderRow {
            order,
            outbox,
            pending_action,
        })
    }

    /// One cached order with its outbox state.
    pub fn order(&self, order_no: &str) -> Result<Option<OrderRow>, StoreError> {
        self.with(|c| {
            let body: Option<String> = c
                .query_row(
                    "SELECT body FROM orders WHERE order_no = ?1",
                    [order_no],
                    |r| r.get(0),
                )
                .optional()?;
            match body {
                None => Ok(None),
                Some(b) => Ok(Some(Self::row_for(c, parse_order(&b)?)?)),
            }
        })
    }

    /// One page of the order list and the total count, straight from the
    /// indexes: the list never loads every order. With a status filter,
    /// orders whose action was refused (and not yet read) come first on
    /// page one whatever their status. The count is exact for the pool, a
    /// subtree and the whole cache (maintained, not counted; the pool of an
    /// outlet that is not the network's root is counted), and stops at
    /// COUNT_CAP + 1 for a list of outlets.
    pub fn page(&self, q: &PageQuery) -> Result<(Vec<OrderRow>, i64), StoreError> {
        self.with(|conn| {
            // One snapshot for the count and the rows: a pull commits pages
            // meanwhile, and a count read between two of them would not
            // match the rows. Read only: dropping it rolls nothing back.
            let tx = conn.transaction()?;
            let c: &Connection = &tx;
            let left_view: bool =
                c.query_row("SELECT EXISTS(SELECT 1 FROM left_view)", [], |r| r.get(0))?;
            if let Some(under) = scope_of(c, &q.filter)? {
                return scoped_page(c, q, &under, left_view);
            }
            let sql = ListSql::of(q, left_view)?;
            let mut bodies: Vec<String> = Vec::new();
            if let Some((pinned_sql, pinned_args)) = &sql.pinned {
                let mut st = c.prepare_cached(pinned_sql)?;
                let found: Vec<String> = st
                    .query_map(rusqlite::params_from_iter(pinned_args.iter()), |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                if q.offset == 0 {
                    bodies = found;
                }
            }
            let total: i64 = c.query_row(
                &sql.count,
                rusqlite::params_from_iter(sql.args.iter()),
                |r| r.get(0),
            )?;
            let mut page_args = sql.args.clone();
            page_args.push(q.limit.into());
            page_args.push(q.offset.into());
            let mut st = c.prepare_cached(&sql.page)?;
            for b in st.query_map(rusqlite::params_from_iter(page_args.iter()), |r| r.get(0))? {
                bodies.push(b?);
            }
            // Pinned rows are extras on page one: paging counts the list.
            Ok((rows_of(c, bodies)?, total))
        })
    }

    /// Pending orders nobody has phoned yet and nobody has acted on here,
    /// for the new-order alert and the navigation badge: the maintained
    /// count less the few the outbox or `left_view` hold.
    pub fn uncontacted(&self) -> Result<i64, StoreError> {
        self.with(|c| {
            let all = scope::count(c, scope::ALL, scope::WAITING)?;
            let held: i64 = c.query_row(
                "SELECT count(*) FROM (SELECT order_no FROM left_view
                     UNION SELECT order_no FROM outbox WHERE state IN ('queued','sending')) w
                 CROSS JOIN orders o ON o.order_no = w.order_no
                 WHERE o.status = 'pending' AND o.contacted = 0",
                [],
                |r| r.get(0),
            )?;
            Ok(all - held)
        })
    }

    /// When the last page was pulled.
    pub fn last_pull(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.with(|c| {
            Ok(get_meta(c, "last_pull")?
                .and_then(|v| DateTime::parse_from_rfc3339(&v).ok())
                .map(|t| t.with_timezone(&Utc)))
        })
    }
}

fn rows_of(c: &Connection, bodies: Vec<String>) -> Result<Vec<OrderRow>, StoreError> {
    let mut rows = Vec::with_capacity(bodies.len());
    for b in bodies {
        match parse_order(&b) {
            Ok(o) => rows.push(Store::row_for(c, o)?),
            Err(e) => tracing::warn!("cached order unreadable: {e}"),
        }
    }
    Ok(rows)
}

/// Where a list reads the scope index.
pub(super) struct Under {
    /// One ancestor, or the whole cache's tops and the pool: an order may
    /// be under two of those, and the list merges them without repeats.
    pub ancs: Vec<String>,
    /// The whole cache: counted from the whole table's totals.
    pub whole: bool,
}

/// The scope-index keys a filter reads, if it has them. The pool is the
/// index's only when `hq_code` is the network's root (or no network is
/// cached yet): that is what the index calls the pool.
pub(super) fn scope_of(c: &Connection, f: &ListFilter) -> Result<Option<Under>, StoreError> {
    let one = |anc: String| Under {
        ancs: vec![anc],
        whole: false,
    };
    Ok(match f {
        ListFilter::All => Some(Under {
            ancs: scope::whole(c)?,
            whole: true,
        }),
        ListFilter::Subtree(code) => Some(one(code.clone())),
        ListFilter::Pool { hq_code } => {
            let root: Option<bool> = c
                .prepare_cached(
                    "SELECT parent_code IS NULL OR parent_code = '' FROM outlets WHERE code = ?1",
                )?
                .query_row([hq_code], |r| r.get(0))
                .optional()?;
            let no_network: bool =
                c.query_row("SELECT NOT EXISTS(SELECT 1 FROM outlets)", [], |r| r.get(0))?;
            (root == Some(true) || no_network).then(|| one(scope::POOL.to_owned()))
        }
        ListFilter::Outlets(_) => None,
    })
}

/// Whether order `o` is listed under `?1` (an exact index probe).
const LISTED: &str = "EXISTS (SELECT 1 FROM order_scope s WHERE s.anc = ?1 AND s.status = o.status
    AND s.created_at = o.created_at AND s.order_no = o.order_no)";

/// The exact count under `anc` (`None` = the whole cache) for `status`
/// (`None` = any), less the orders waiting in `left_view`, which a status
/// list shows pinned instead.
fn scoped_count(
    c: &Connection,
    anc: Option<&str>,
    status: Option<Status>,
    left_view: bool,
) -> Result<i64, StoreError> {
    let key = anc.unwrap_or(scope::ALL);
    let Some(st) = status else {
        let mut n = 0;
        for s in Status::ALL {
            n += scope::count(c, key, s.as_str())?;
        }
        return Ok(n);
    };
    let mut n = scope::count(c, key, st.as_str())?;
    if left_view {
        let listed = if anc.is_some() { LISTED } else { "1" };
        n -= c.query_row(
            &format!(
                "SELECT count(*) FROM left_view l CROSS JOIN orders o ON o.order_no = l.order_no
                 WHERE o.status = ?2 AND {listed}"
            ),
            params![key, st.as_str()],
            |r| r.get::<_, i64>(0),
        )?;
    }
    Ok(n)
}

/// A page from the scope index: the index rows in order, then their bodies.
fn scoped_page(
    c: &Connection,
    q: &PageQuery,
    under: &Under,
    left_view: bool,
) -> Result<(Vec<OrderRow>, i64), StoreError> {
    let sql = ScopedSql::of(q, under, left_view);
    let mut bodies: Vec<String> = Vec::new();
    for (text, args) in sql.pinned.iter().chain([&sql.page]) {
        let mut st = c.prepare_cached(text)?;
        for b in st.query_map(params_from_iter(args.iter()), |r| r.get(0))? {
            bodies.push(b?);
        }
    }
    let anc = (!under.whole)
        .then(|| under.ancs.first().map(String::as_str))
        .flatten();
    let total = scoped_count(c, anc, q.status, left_view)?;
    Ok((rows_of(c, bodies)?, total))
}

/// The SQL of one scoped list page, each text with its arguments.
struct ScopedSql {
    /// Refused-and-unread orders of another status, pinned above page one.
    pinned: Option<(String, Vec<Value>)>,
    page: (String, Vec<Value>),
}

impl ScopedSql {
    fn of(q: &PageQuery, under: &Under, left_view: bool) -> ScopedSql {
        let (dir, rev) = match q.sort {
            SortOrder::OldestFirst => ("ASC", ""),
            SortOrder::NewestFirst => ("DESC", " DESC"),
        };
        let order = format!("created_at {dir}, order_no {dir}");
        let pinned = match q.status {
            Some(st) if q.offset == 0 => {
                // Everything cached is in the whole cache's list.
                let (anc, listed) = match under.ancs.first() {
                    Some(anc) if !under.whole => (anc.as_str(), LISTED),
                    _ => ("", "1"),
                };
                Some((
                    format!(
                        "SELECT o.body FROM orders o
                         WHERE o.order_no IN (SELECT order_no FROM outbox WHERE state = 'rejected')
                           AND ((o.status <> ?2 AND {listed}) OR o.order_no IN (SELECT order_no FROM left_view))
                         ORDER BY o.{order}"
                    ),
                    vec![anc.to_owned().into(), st.as_str().to_owned().into()],
                ))
            }
            _ => None,
        };
        // A status list does not repeat the orders it pins.
        let not_left = if left_view && q.status.is_some() {
            " AND order_no NOT IN (SELECT order_no FROM left_view)"
        } else {
            ""
        };
        let statuses: Vec<Status> = match q.status {
            Some(s) => vec![s],
            None => Status::ALL.to_vec(),
        };
        let mut args: Vec<Value> = Vec::new();
        let mut parts: Vec<String> = Vec::new();
        for anc in &under.ancs {
            for s in &statuses {
                parts.push(format!(
                    "SELECT * FROM (SELECT created_at, order_no FROM order_scope
                     WHERE anc = ? AND status = '{}'{not_left} ORDER BY {order} LIMIT ?)",
                    s.as_str()
                ));
                args.push(anc.clone().into());
                args.push((q.offset + q.limit).into());
            }
        }
        // Each part is already in order and holds its own first `offset +
        // limit` rows, so the merge's first rows are among them; only the
        // page's own rows then read their bodies. One order under two of
        // the whole cache's ancestors is listed once.
        let merge = if under.ancs.len() > 1 {
            " UNION "
        } else {
            " UNION ALL "
        };
        args.push(q.limit.into());
        args.push(q.offset.into());
        let page = format!(
            "SELECT o.body FROM (SELECT created_at, order_no FROM ({}) ORDER BY {order} LIMIT ? OFFSET ?) s
             CROSS JOIN orders o ON o.order_no = s.order_no
             ORDER BY s.created_at{rev}, s.order_no{rev}",
            parts.join(merge)
        );
        ScopedSql {
            pinned,
            page: (page, args),
        }
    }
}

/// The SQL behind a list the scope index does not hold — a pool below the
/// network's root, a list of outlets; no screen asks for them — read from
/// the orders table, which has no index but its key: a scan.
struct ListSql {
    /// The page: the arguments, then LIMIT and OFFSET.
    page: String,
    /// How many match; for a list of outlets stopping at COUNT_CAP + 1
    /// (see [`ListFilter::counts_exactly`]).
    count: String,
    args: Vec<rusqlite::types::Value>,
    /// Refused-and-unread orders of another status, to pin above page one.
    pinned: Option<(String, Vec<rusqlite::types::Value>)>,
}

impl ListSql {
    /// `left_view`: whether any order waits in `left_view`.
    fn of(q: &PageQuery, left_view: bool) -> Result<ListSql, StoreError> {
        let mut conds: Vec<&str> = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        match &q.filter {
            ListFilter::All => {}
            ListFilter::Pool { hq_code } => {
                conds.push(
                    "(current_outlet_code = '' OR current_outlet_code = ?
                      OR current_outlet_code NOT IN (SELECT code FROM outlets))",
                );
                args.push(hq_code.clone().into());
            }
            ListFilter::Outlets(codes) => {
                conds.push("current_outlet_code IN (SELECT value FROM json_each(?))");
                args.push(serde_json::to_string(codes).map_err(json_err)?.into());
            }
            ListFilter::Subtree(code) => {
                conds.push("order_no IN (SELECT order_no FROM order_scope WHERE anc = ?)");
                args.push(code.clone().into());
            }
        }
        // A refused action stays in sight until the clerk has read who won,
        // whatever the order's status now is. Such orders are few and get
        // their own query: an OR in the main one costs a full scan.
        // An order that has left the user's view (returned to the pool,
        // assigned elsewhere) is pinned whatever its outlet and status.
        let mut pinned = None;
        if let Some(st) = q.status {
            let mut here: Vec<&str> = conds.clone();
            here.push("status <> ?");
            let mut pinned_args = args.clone();
            pinned_args.push(st.as_str().to_owned().into());
            let pinned_where = format!(
                " WHERE order_no IN (SELECT order_no FROM outbox WHERE state = 'rejected')
                   AND (({}) OR order_no IN (SELECT order_no FROM left_view))",
                here.join(" AND ")
            );
            conds.push("status = ?");
            args.push(st.as_str().to_owned().into());
            // …and only there, not a second time below. Rarely needed, and
            // it costs the indexed count its speed, so only when needed.
            if left_view {
                conds.push("order_no NOT IN (SELECT order_no FROM left_view)");
            }
            pinned = Some((pinned_where, pinned_args));
        }
        let order = match q.sort {
            SortOrder::OldestFirst => "created_at ASC, order_no ASC",
            SortOrder::NewestFirst => "created_at DESC, order_no DESC",
        };
        let where_of = |conds: &[&str]| {
            if conds.is_empty() {
                String::new()
            } else {
                format!(" WHERE {}", conds.join(" AND "))
            }
        };
        let w = where_of(&conds);
        Ok(ListSql {
            page: format!("SELECT body FROM orders{w} ORDER BY {order} LIMIT ? OFFSET ?"),
            count: if q.filter.counts_exactly() {
                format!("SELECT count(*) FROM orders{w}")
            } else {
                format!(
                    "SELECT count(*) FROM (SELECT 1 FROM orders{w} LIMIT {})",
                    COUNT_CAP + 1
                )
            },
            args,
            pinned: pinned
                .map(|(w, a)| (format!("SELECT body FROM orders{w} ORDER BY {order}"), a)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new cache in a temporary folder holding `network` (code, kind,
    /// parent).
    fn cache_with_network(
        network: &[(&str, crate::domain::OutletKind, Option<&str>)],
    ) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, _) = Store::open(&dir.path().join("cache.db")).expect("open");
        let outlets: Vec<crate::domain::Outlet> = network
            .iter()
            .map(|(code, kind, parent)| crate::domain::Outlet {
                code: (*code).into(),
                name: (*code).into(),
                ..crate::domain::Outlet::blank(*kind, *parent)
            })
            .collect();
        store.replace_outlets(1, &outlets).expect("outlets");
        (dir, store)
    }

    /// What SQLite will do for `sql`: one line per plan step.
    fn plan(store: &Store, sql: &str, args: &[rusqlite::types::Value]) -> Vec<String> {
        store
            .with(|c| {
                let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let rows = st
                    .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                        r.get::<_, String>(3)
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
            .expect("plan")
    }

    #[test]
    fn a_damaged_outbox_entry_is_refused_and_does_not_block_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, _) = Store::open(&dir.path().join("cache.db")).expect("open");
        store.claim("clerk").expect("claim");
        store.enqueue("o-1", &Action::Contacted).expect("enqueue");
        store.enqueue("o-2", &Action::Contacted).expect("enqueue");
        store
            .with(|c| {
                c.execute(
                    "UPDATE outbox SET body = '{garbage' WHERE order_no = 'o-1'",
                    [],
                )?;
                Ok(())
            })
            .expect("damage");
        let next = store.next_outbox().expect("next").expect("an item");
        assert_eq!(next.order_no, "o-2");
        let states = store.outbox_states().expect("states");
        assert_eq!(states[0].0, "o-1");
        assert_eq!(states[0].1, "rejected");
        assert!(
            states[0].2.as_deref().is_some_and(|w| w.contains("已损坏")),
            "{states:?}"
        );
    }

    fn page_of(orders: &[&str], cursor: &str, more: bool) -> ChangesPage {
        ChangesPage {
            orders: orders
                .iter()
                .map(|n| crate::domain::order::tests::sample(n, Some("A")))
                .collect(),
            removed: Vec::new(),
            cursor: cursor.into(),
            more,
            server_time: Utc::now(),
            params_revision: 0,
            rate_revision: 0,
        }
    }

    fn cached(store: &Store) -> Vec<String> {
        let q = PageQuery {
            filter: ListFilter::All,
            status: None,
            sort: SortOrder::OldestFirst,
            offset: 0,
            limit: 100,
        };
        let mut v: Vec<String> = store
            .page(&q)
            .expect("page")
            .0
            .into_iter()
            .map(|r| r.order.order_no)
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_resync_keeps_the_old_rows_until_its_last_page() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, _) = Store::open(&dir.path().join("cache.db")).expect("open");
        store
            .apply_page(&page_of(&["o-1", "o-2", "o-3"], "3.t", false))
            .expect("pull");
        store.begin_resync().expect("resync");
        assert_eq!(
            store.cursor().expect("cursor"),
            None,
            "starts from the beginning"
        );
        store
            .apply_page(&page_of(&["o-1"], "1.t", true))
            .expect("page 1");
        assert_eq!(
            cached(&store),
            ["o-1", "o-2", "o-3"],
            "halfway: the old list stays"
        );
        store
            .apply_page(&page_of(&["o-3"], "4.t", false))
            .expect("last page");
        assert_eq!(
            cached(&store),
            ["o-1", "o-3"],
            "what the resync did not bring went"
        );
    }

    /// The pager's count is exact past COUNT_CAP for every place a list
    /// shows (a subtree, the whole cache, even the pool of an outlet that
    /// is not the root); only a bare list of outlets stops at the cap.
    #[test]
    fn every_list_count_is_exact_past_the_cap() {
        use crate::domain::OutletKind;
        let (_dir, store) = cache_with_network(&[
            ("HQ", OutletKind::Hq, None),
            ("A", OutletKind::Branch, Some("HQ")),
        ]);
        let n = COUNT_CAP + 3;
        let names: Vec<String> = (0..n).map(|i| format!("o-{i:06}")).collect();
        let pages = names.chunks(2_000).count();
        for (k, chunk) in names.chunks(2_000).enumerate() {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            // The last page ends the first sync's load (its indexes).
            store
                .apply_page(&page_of(&refs, &format!("{k}.t"), k + 1 < pages))
                .expect("pull");
        }
        let count = |filter: ListFilter| {
            let exact = filter.counts_exactly();
            let q = PageQuery {
                filter,
                status: None,
                sort: SortOrder::OldestFirst,
                offset: 0,
                limit: 1,
            };
            (store.page(&q).expect("page").1, exact)
        };
        assert_eq!(count(ListFilter::All), (n, true));
        assert_eq!(count(ListFilter::Subtree("A".into())), (n, true));
        assert_eq!(count(ListFilter::Subtree("HQ".into())), (n, true));
        assert_eq!(
            count(ListFilter::Pool {
                hq_code: "A".into()
            }),
            (n, true),
            "the pool of an outlet that is not the root is counted"
        );
        assert_eq!(
            count(ListFilter::Outlets(vec!["A".into()])),
            (COUNT_CAP + 1, false)
        );
    }

    /// While a backlog is written, the writing connection leaves its log to
    /// the checkpoint thread; once the backlog ends (its last page, or a
    /// pull stopped early) it checkpoints by itself again, and every order
    /// written is there after a reopen.
    #[test]
    fn a_backlog_hands_its_checkpoints_to_a_thread_and_takes_them_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cache.db");
        let (store, _) = Store::open(&path).expect("open");
        let own_checkpoints = |s: &Store| -> i64 {
            s.with(|c| Ok(c.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?))
                .expect("pragma")
        };
        assert_eq!(own_checkpoints(&store), 1000);
        let names: Vec<String> = (0..3_000).map(|i| format!("o-{i:05}")).collect();
        let chunks: Vec<&[String]> = names.chunks(1_000).collect();
        let page = |k: usize, more: bool| {
            let r: Vec<&str> = chunks[k].iter().map(String::as_str).collect();
            page_of(&r, &format!("{k}.t"), more)
        };
        store.apply_page(&page(0, true)).expect("first page");
        assert_eq!(own_checkpoints(&store), 0, "the thread copies the log");
        store.apply_page(&page(1, true)).expect("second page");
        store.end_bulk_load().expect("a pull stopped early");
        assert_eq!(own_checkpoints(&store), 1000, "stopped early: back");
        store.apply_page(&page(2, false)).expect("last page");
        assert_eq!(own_checkpoints(&store), 1000);
        drop(store);
        let (store, _) = Store::open(&path).expect("reopen");
        let all = PageQuery {
            filter: ListFilter::All,
            status: None,
            sort: SortOrder::OldestFirst,
            offset: 0,
            limit: 1,
        };
        assert_eq!(store.page(&all).expect("page").1, 3_000);
    }

    /// Every list the screen can ask for — the whole cache, the pool, a
    /// subtree — reads the scope index (the orders table has no other
    /// index: a plain `SCAN orders` would read the whole cache per page),
    /// each part of it a search by its key, never a scan or a sort of it.
    #[test]
    fn every_list_page_reads_the_scope_index() {
        use crate::domain::OutletKind;
        // Two tops: HQ, and a branch whose parent is not cached.
        let (_dir, store) = cache_with_network(&[
            ("HQ", OutletKind::Hq, None),
            ("A", OutletKind::Branch, Some("HQ")),
            ("Z", OutletKind::Branch, Some("ELSEWHERE")),
        ]);
        let filters = [
            ListFilter::All,
            ListFilter::Pool {
                hq_code: "HQ".into(),
            },
            ListFilter::Subtree("A".into()),
        ];
        for filter in filters {
            let under = store
                .with(|c| scope_of(c, &filter))
                .expect("scope")
                .expect("a scoped list");
            if filter == ListFilter::All {
                assert_eq!(
                    under.ancs,
                    ["ELSEWHERE", "HQ", scope::POOL],
                    "tops and pool"
                );
            }
            for status in [None, Some(Status::Pending), Some(Status::Accepted)] {
                for (sort, left_view) in [
                    (SortOrder::OldestFirst, false),
                    (SortOrder::NewestFirst, false),
                    (SortOrder::OldestFirst, true),
                ] {
                    let q = PageQuery {
                        filter: filter.clone(),
                        status,
                        sort,
                        offset: 0,
                        limit: 50,
                    };
                    let sql = ScopedSql::of(&q, &under, left_view);
                    let steps = plan(&store, &sql.page.0, &sql.page.1);
                    let case = format!("{q:?}: {steps:?}");
                    assert!(
                        steps.iter().any(|s| s.starts_with("SEARCH order_scope")),
                        "{case}"
                    );
                    assert!(
                        !steps.iter().any(|s| s.starts_with("SCAN order")),
                        "scans: {case}"
                    );
                    // A part that had to sort its range would read all of
                    // it: SQLite lists that sort right after the search.
                    assert!(
                        !steps
                            .windows(2)
                            .any(|w| w[0].starts_with("SEARCH order_scope")
                                && w[1] == "USE TEMP B-TREE FOR ORDER BY"),
                        "sorts a range: {case}"
                    );
                    if let Some((pinned, pinned_args)) = &sql.pinned {
                        let steps = plan(&store, pinned, pinned_args);
                        assert!(
                            steps.iter().any(|s| s.contains("outbox_state")),
                            "pinned rows start from the refused actions: {q:?}: {steps:?}"
                        );
                    }
                }
            }
        }
    }

    /// A first sync's load is indexed from the keys its pages gathered
    /// only while nothing else changed an order: one this connection
    /// updated between two pages (an action's answer), or one another
    /// connection wrote, is listed as the table holds it.
    #[test]
    fn a_load_changed_beside_its_pages_lists_what_the_table_holds() {
        use crate::domain::{Outlet, OutletKind};
        for other_connection in [false, true] {
            let dir = tempfile::tempdir().expect("temp dir");
            let (store, _) = Store::open(&dir.path().join("cache.db")).expect("open");
            let network = [
                ("HQ", OutletKind::Hq, None),
                ("A", OutletKind::Branch, Some("HQ")),
            ]
            .map(|(code, kind, parent)| Outlet {
                code: code.into(),
                name: code.into(),
                ..Outlet::blank(kind, parent)
            });
            store.replace_outlets(1, &network).expect("outlets");
            store
                .apply_page(&page_of(&["o-1", "o-2"], "1.t", true))
                .expect("first page");
            let mut o = crate::domain::order::tests::sample("o-1", Some("A"));
            o.version += 1;
            o.status = Status::Accepted;
            let writer = if other_connection {
                store.second_connection().expect("second connection")
            } else {
                store.clone()
            };
            writer.with(|c| upsert(c, &o)).expect("an action's answer");
            store
                .apply_page(&page_of(&["o-3"], "2.t", false))
                .expect("last page");
            let listed = |status| {
                let (rows, total) = store
                    .page(&PageQuery {
                        filter: ListFilter::Subtree("A".into()),
                        status: Some(status),
                        sort: SortOrder::OldestFirst,
                        offset: 0,
                        limit: 10,
                    })
                    .expect("page");
                let nos: Vec<String> = rows.into_iter().map(|r| r.order.order_no).collect();
                (nos, total)
            };
            let case = if other_connection {
                "another connection"
            } else {
                "this connection"
            };
            assert_eq!(
                listed(Status::Accepted),
                (vec!["o-1".to_owned()], 1),
                "{case}"
            );
            assert_eq!(
                listed(Status::Pending),
                (vec!["o-2".to_owned(), "o-3".to_owned()], 2),
                "{case}"
            );
        }
    }
}
