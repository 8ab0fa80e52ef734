//! The scope index, shared by the client's cache and the hub's database:
//! every order is listed under each outlet whose list shows it — its current
//! outlet and that outlet's ancestors, and for an order billed elsewhere
//! (代开) the billing outlet and its ancestors too (an ancestor shared by
//! both only once) — keyed by (ancestor, status, placed time, order), with
//! a maintained count per (ancestor, status). Any selector's first page and
//! exact count then read a few dozen index rows, whatever the size of the
//! network or the history.
//!
//! The HQ pool is the ancestor [`POOL`]; the whole table's counts are kept
//! under [`ALL`], with pending orders nobody has phoned yet as the
//! pseudo-status [`WAITING`] (where the side tracks it).
//!
//! `outlet_closure` (code → every ancestor, itself included, and [`POOL`]
//! for the outlets that are the pool) is the tree the index was built with;
//! an outlet change re-lists only the orders at outlets whose ancestors
//! changed (see [`refresh_closure`]).

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

/// The ancestor key of the HQ pool.
pub const POOL: &str = "";
/// The ancestor key of the whole table (counts only).
pub const ALL: &str = "*";
/// Under [`ALL`]: pending orders not yet phoned (the alert's count).
pub const WAITING: &str = "waiting";

/// The tables of the index; `created_at` has the orders table's type.
pub fn schema(created_at_type: &str) -> String {
    format!(
        "CREATE TABLE outlet_closure (
            code TEXT NOT NULL, anc TEXT NOT NULL, PRIMARY KEY (code, anc)
        ) WITHOUT ROWID;
        CREATE TABLE order_scope (
            anc TEXT NOT NULL, status TEXT NOT NULL, created_at {created_at_type} NOT NULL, order_no TEXT NOT NULL,
            PRIMARY KEY (anc, status, created_at, order_no)
        ) WITHOUT ROWID;
        CREATE TABLE scope_count (
            anc TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (anc, status)
        ) WITHOUT ROWID;"
    )
}

/// The change log's table (the hub's).
pub const FEED_SCHEMA: &str = "
    CREATE TABLE order_feed (
        anc TEXT NOT NULL, order_no TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (anc, order_no)
    ) WITHOUT ROWID;
    CREATE INDEX order_feed_seq ON order_feed(anc, seq);";

/// A [`Layout::closure`]: every outlet with each of its ancestors (itself
/// included), then the rows `$pool` selects for the pool (`''`). One text
/// for the client and the hub; only what the pool is differs.
macro_rules! closure_sql {
    ($pool:literal) => {
        concat!(
            "WITH RECURSIVE up(code, anc) AS (
                SELECT code, code FROM outlets
                UNION
                SELECT up.code, o.parent_code FROM up JOIN outlets o ON o.code = up.anc
                WHERE o.parent_code IS NOT NULL AND o.parent_code <> ''
            )
            SELECT code, anc FROM up
            UNION
            ",
            $pool
        )
    };
}
pub(crate) use closure_sql;

/// How one side's tables map onto the index.
pub struct Layout {
    /// `SELECT code, anc`: the closure, with [`POOL`] rows for the pool's
    /// own outlets.
    pub closure: &'static str,
    /// `SELECT order_no, status, created_at, contacted, current, billing`
    /// of every order (for the rebuild), each column never NULL.
    pub keyed: &'static str,
    /// Keep the per-ancestor change log `order_feed` (the hub's feed):
    /// every write of an order marks it, at the order's `seq`, under its
    /// old and new ancestors, so a scope's feed reads only its own rows.
    pub feed: bool,
}

/// Builds the closure and the whole index from the stored rows: a
/// migration's backfill, and after a bulk drop.
pub fn rebuild(c: &Connection, l: &Layout) -> rusqlite::Result<()> {
    c.execute_batch(&format!(
        "DELETE FROM outlet_closure;
         INSERT INTO outlet_closure(code, anc) {};",
        l.closure
    ))?;
    rebuild_orders(c, l)
}

/// Rebuilds the order rows of the index (not the closure), sorted in
/// memory and appended in key order ([`crate::scope_sorted`]).
pub fn rebuild_orders(c: &Connection, l: &Layout) -> rusqlite::Result<()> {
    crate::scope_sorted::rebuild_orders(c, l.keyed)
}

/// Empties the index (every order went).
pub fn clear_orders(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch("DELETE FROM order_scope; DELETE FROM scope_count;")
}

/// The index columns of one order.
#[derive(Debug, Clone)]
pub struct Keyed {
    pub order_no: String,
    pub status: String,
    /// As the orders table stores it (the list's sort).
    pub created_at: Value,
    /// Phoned already (not in [`WAITING`]).
    pub contacted: bool,
    pub current: String,
    pub billing: String,
}

impl Keyed {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Keyed> {
        Ok(Keyed {
            order_no: r.get(0)?,
            status: r.get(1)?,
            created_at: r.get(2)?,
            contacted: r.get(3)?,
            current: r.get(4)?,
            billing: r.get(5)?,
        })
    }
}

/// Index writes within one transaction; the counts are added up in memory
/// and written once by [`Indexer::finish`].
pub struct Indexer<'c> {
    c: &'c Connection,
    /// Count changes by ancestor, then status.
    delta: HashMap<String, HashMap<String, i64>>,
    feed: bool,
    /// Each outlet's ancestors as read once, when the caller promises the
    /// closure does not change while it indexes ([`Indexer::same_closure`]).
    ancestors: Option<HashMap<String, Vec<String>>>,
}

impl<'c> Indexer<'c> {
    pub fn new(c: &'c Connection, l: &Layout) -> Self {
        Indexer {
            c,
            delta: HashMap::new(),
            feed: l.feed,
            ancestors: None,
        }
    }

    /// Reads each outlet's ancestors once: only for writes of orders alone
    /// (a feed page), never across a change of the network.
    pub fn same_closure(mut self) -> Self {
        self.ancestors = Some(HashMap::new());
        self
    }

    /// The ancestors of `code` (itself included), none when the network
    /// does not have it.
    fn closure_of(&mut self, code: &str) -> rusqlite::Result<Vec<String>> {
        if let Some(known) = self.ancestors.as_ref().and_then(|m| m.get(code)) {
            return Ok(known.clone());
        }
        let found: Vec<String> = self
            .c
            .prepare_cached("SELECT anc FROM outlet_closure WHERE code = ?1")?
            .query_map([code], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(m) = self.ancestors.as_mut() {
            m.insert(code.to_owned(), found.clone());
        }
        Ok(found)
    }

    /// Marks the order changed under `ancs` at its current `seq`.
    fn log(&self, ancs: &[String], order_no: &str) -> rusqlite::Result<()> {
        if !self.feed {
            return Ok(());
        }
        let mut st = self.c.prepare_cached(
            "INSERT INTO order_feed(anc, order_no, seq) SELECT ?1, ?2, seq FROM orders WHERE order_no = ?2
             ON CONFLICT(anc, order_no) DO UPDATE SET seq = excluded.seq",
        )?;
        for anc in ancs {
            st.execute(params![anc, order_no])?;
        }
        // The hub wakes the long polls waiting under these.
        crate::hub::wake::logged(ancs);
        Ok(())
    }

    /// Every ancestor the order is listed under, once each.
    fn ancestors(&mut self, k: &Keyed) -> rusqlite::Result<Vec<String>> {
        let current = k.current.trim();
        let mut out = self.closure_of(current)?;
        if out.is_empty() {
            // No outlet, or one the network does not have.
            out.push(POOL.to_owned());
        }
        let billing = k.billing.trim();
        if !billing.is_empty() && billing != current {
            for anc in self.closure_of(billing)? {
                // The pool is about where the order is, not who billed it.
                if anc != POOL && !out.contains(&anc) {
                    out.push(anc);
                }
            }
        }
        Ok(out)
    }

    fn count(&mut self, anc: &str, status: &str, by: i64) {
        // Looked up by reference: a page of a thousand orders counts under
        // a few keys, and a key is copied only the first time.
        let by_status = match self.delta.get_mut(anc) {
            Some(m) => m,
            None => self.delta.entry(anc.to_owned()).or_default(),
        };
        match by_status.get_mut(status) {
            Some(n) => *n += by,
            None => {
                by_status.insert(status.to_owned(), by);
            }
        }
    }

    fn totals(&mut self, k: &Keyed, by: i64) {
        self.total_of(&k.status, k.contacted, by);
    }

    /// [`Indexer::total_only`] of an order of `status`, phoned or not.
    pub fn total_of(&mut self, status: &str, contacted: bool, by: i64) {
        self.count(ALL, status, by);
        if status == "pending" && !contacted {
            self.count(ALL, WAITING, by);
        }
    }

    /// Counts (`by` 1) or uncounts (-1) `k` in the whole table's totals
    /// alone: a bulk load lists its orders under their ancestors later, in
    /// one rebuild, while the whole-table count still follows the load.
    pub fn total_only(&mut self, k: &Keyed, by: i64) {
        self.totals(k, by);
    }

    /// Lists `k` under its ancestors.
    pub fn add(&mut self, k: &Keyed) -> rusqlite::Result<()> {
        let ancs = self.ancestors(k)?;
        {
            let mut st = self.c.prepare_cached(
                "INSERT OR IGNORE INTO order_scope(anc, status, created_at, order_no) VALUES (?1,?2,?3,?4)",
            )?;
            for anc in &ancs {
                if st.execute(params![anc, k.status, k.created_at, k.order_no])? > 0 {
                    self.count(anc, &k.status, 1);
                }
            }
        }
        self.totals(k, 1);
        self.log(&ancs, &k.order_no)
    }

    /// Takes `k` (as stored) out of the index.
    pub fn remove(&mut self, k: &Keyed) -> rusqlite::Result<()> {
        let ancs = self.ancestors(k)?;
        {
            let mut st = self.c.prepare_cached(
                "DELETE FROM order_scope WHERE anc = ?1 AND status = ?2 AND created_at = ?3 AND order_no = ?4",
            )?;
            for anc in &ancs {
                if st.execute(params![anc, k.status, k.created_at, k.order_no])? > 0 {
                    self.count(anc, &k.status, -1);
                }
            }
        }
        self.totals(k, -1);
        self.log(&ancs, &k.order_no)
    }

    /// Writes the counts.
    pub fn finish(self) -> rusqlite::Result<()> {
        let mut st = self.c.prepare_cached(
            "INSERT INTO scope_count(anc, status, n) VALUES (?1, ?2, ?3)
             ON CONFLICT(anc, status) DO UPDATE SET n = n + excluded.n",
        )?;
        for (anc, by_status) in self.delta {
            for (status, n) in by_status {
                if n != 0 {
                    st.execute(params![anc, status, n])?;
                }
            }
        }
        Ok(())
    }
}

/// The network changed: brings `outlet_closure` up to date and re-lists the
/// orders at every outlet whose ancestors changed (a move, a new outlet
/// that orders were already addressed to, a deletion). A new empty outlet
/// or a rename costs no order work.
pub fn refresh_closure(c: &Connection, l: &Layout) -> rusqlite::Result<()> {
    c.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS next_closure (
             code TEXT NOT NULL, anc TEXT NOT NULL, PRIMARY KEY (code, anc)
         ) WITHOUT ROWID;
         DELETE FROM temp.next_closure;
         INSERT INTO temp.next_closure(code, anc) {};",
        l.closure
    ))?;
    let changed: Vec<String> = {
        let mut st = c.prepare(
            "SELECT code FROM (SELECT code, anc FROM temp.next_closure EXCEPT SELECT code, anc FROM outlet_closure)
             UNION
             SELECT code FROM (SELECT code, anc FROM outlet_closure EXCEPT SELECT code, anc FROM temp.next_closure)",
        )?;
        st.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    if changed.is_empty() {
        return Ok(());
    }
    let codes = serde_json::to_string(&changed)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let affected: Vec<Keyed> = {
        let mut st = c.prepare(&format!(
            "SELECT * FROM ({}) WHERE cur IN (SELECT value FROM json_each(?1))
                OR (bill <> '' AND bill IN (SELECT value FROM json_each(?1)))",
            l.keyed
        ))?;
        st.query_map([&codes], Keyed::from_row)?
            .collect::<rusqlite::Result<_>>()?
    };
    // Out under the old tree, in under the new one.
    let mut ix = Indexer::new(c, l);
    for k in &affected {
        ix.remove(k)?;
    }
    c.execute_batch(
        "DELETE FROM outlet_closure WHERE (code, anc) NOT IN (SELECT code, anc FROM temp.next_closure);
         INSERT OR IGNORE INTO outlet_closure(code, anc) SELECT code, anc FROM temp.next_closure;",
    )?;
    for k in &affected {
        ix.add(k)?;
    }
    ix.finish()
}

/// A new outlet `code` under `parent`: its closure is its parent's plus
/// itself (and the pool when `pool`), written directly rather than
/// recomputing the whole tree, so loading 20,000 outlets stays linear.
/// Orders already addressed to the code move out of the pool.
pub fn outlet_added(
    c: &Connection,
    l: &Layout,
    code: &str,
    parent: Option<&str>,
    pool: bool,
) -> rusqlite::Result<()> {
    let orphans: bool = c
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM outlet_closure WHERE anc = ?1)")?
        .query_row([code], |r| r.get(0))?;
    let children: bool = c
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM outlets WHERE parent_code = ?1)")?
        .query_row([code], |r| r.get(0))?;
    if orphans || children {
        // Outlets under it came first: only the whole tree is right.
        return refresh_closure(c, l);
    }
    let affected: Vec<Keyed> = {
        let mut st = c.prepare_cached(&format!(
            "SELECT * FROM ({}) WHERE cur = ?1 OR bill = ?1",
            l.keyed
        ))?;
        st.query_map([code], Keyed::from_row)?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut ix = Indexer::new(c, l);
    for k in &affected {
        ix.remove(k)?;
    }
    c.prepare_cached(
        "INSERT OR IGNORE INTO outlet_closure(code, anc)
         SELECT ?1, anc FROM outlet_closure WHERE code = ?2 AND anc <> ''
         UNION SELECT ?1, ?1
         UNION SELECT ?1, '' WHERE ?3",
    )?
    .execute(params![code, parent.unwrap_or_default(), pool])?;
    for k in &affected {
        ix.add(k)?;
    }
    ix.finish()
}

/// The maintained count under `anc` for `status`.
pub fn count(c: &Connection, anc: &str, status: &str) -> rusqlite::Result<i64> {
    let mut st = c.prepare_cached("SELECT n FROM scope_count WHERE anc = ?1 AND status = ?2")?;
    Ok(st
        .query_row([anc, status], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}
