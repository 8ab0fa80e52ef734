//! The hub's side of the scope index ([`crate::scope_index`]): the HQ pool
//! is every outlet of kind HQ (and orders at no or an unknown outlet), as
//! in `visibility::is_pool`; placed time is the stored RFC 3339 text.

use rusqlite::{Connection, OptionalExtension};

use crate::domain::{Order, Status};
pub use crate::scope_index::POOL;
use crate::scope_index::{self as index, Indexer, Keyed, Layout};

const LAYOUT: Layout = Layout {
    closure: index::closure_sql!("SELECT code, '' FROM outlets WHERE kind = 'hq'"),
    // The hub keeps no waiting count: every order counts as phoned.
    keyed: "SELECT order_no, status, created_at, 1 AS contacted,
                   coalesce(trim(current_outlet_code), '') AS cur,
                   coalesce(trim(billing_outlet_code), '') AS bill FROM orders",
    feed: true,
};

/// The migration: the index's tables and the feed's change log.
pub fn schema() -> String {
    format!("{}{}", index::schema("TEXT"), index::FEED_SCHEMA)
}

/// The migration's backfill: the index, and the change log under every
/// ancestor of every outlet an order was ever at (so a client's cursor
/// still learns of an order that left its view).
pub fn rebuild(c: &Connection) -> rusqlite::Result<()> {
    index::rebuild(c, &LAYOUT)?;
    // Each order's seq copied once into a small table, in one pass over
    // `orders`: looking it up in `orders` itself, once per change-log row,
    // reads a page of bodies at random each time (minutes at 1M orders).
    // Rows go in sorted by the log's key, so its B-tree is appended to.
    c.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS seq_of (
             order_no TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
         DELETE FROM temp.seq_of;
         INSERT INTO temp.seq_of(order_no, seq) SELECT order_no, seq FROM orders ORDER BY order_no;
         INSERT OR IGNORE INTO order_feed(anc, order_no, seq)
           SELECT s.anc, s.order_no, q.seq FROM order_scope s JOIN temp.seq_of q ON q.order_no = s.order_no
           ORDER BY s.anc, s.order_no;
         INSERT OR IGNORE INTO order_feed(anc, order_no, seq)
           SELECT k.anc, oo.order_no, q.seq FROM order_outlets oo
           JOIN outlet_closure k ON k.code = oo.outlet_code
           JOIN temp.seq_of q ON q.order_no = oo.order_no
           ORDER BY k.anc, oo.order_no;
         DELETE FROM temp.seq_of;",
    )
}

/// An outlet was changed or deleted.
pub fn refresh(c: &Connection) -> rusqlite::Result<()> {
    super::report::around_tree_change(c, || index::refresh_closure(c, &LAYOUT))
}

/// An outlet was added.
pub fn added(c: &Connection, o: &crate::domain::Outlet) -> rusqlite::Result<()> {
    super::report::around_outlet_added(c, &o.code, || {
        index::outlet_added(
            c,
            &LAYOUT,
            &o.code,
            o.parent_code.as_deref(),
            o.kind == crate::domain::OutletKind::Hq,
        )
    })
}

/// The stored index columns of `order_no`.
pub fn stored(c: &Connection, order_no: &str) -> rusqlite::Result<Option<Keyed>> {
    c.prepare_cached(
        "SELECT status, created_at, coalesce(trim(current_outlet_code), ''),
                coalesce(trim(billing_outlet_code), '')
         FROM orders WHERE order_no = ?1",
    )?
    .query_row([order_no], |r| {
        Ok(Keyed {
            order_no: order_no.to_owned(),
            status: r.get(0)?,
            created_at: r.get(1)?,
            contacted: true,
            current: r.get(2)?,
            billing: r.get(3)?,
        })
    })
    .optional()
}

/// Re-lists `o`, just written over `old` (which keeps its placed time:
/// the orders row never changes it).
pub fn reindex(c: &Connection, old: Option<Keyed>, o: &Order) -> rusqlite::Result<()> {
    let mut ix = Indexer::new(c, &LAYOUT);
    let mut k = keyed(o);
    if let Some(old) = &old {
        k.created_at = old.created_at.clone();
        ix.remove(old)?;
    }
    ix.add(&k)?;
    ix.finish()
}

/// The index columns of `o` as it is about to be stored.
fn keyed(o: &Order) -> Keyed {
    Keyed {
        order_no: o.order_no.clone(),
        status: o.status.as_str().to_owned(),
        created_at: o.created_at.to_rfc3339().into(),
        contacted: true,
        current: o.current_outlet_code.clone().unwrap_or_default(),
        billing: o.billing_outlet_code.clone().unwrap_or_default(),
    }
}

/// Lists new orders of one transaction whose network does not change (a
/// batch of inbound orders): each outlet's ancestors read once, the counts
/// written once by [`NewListed::finish`].
pub struct NewListed<'c>(Indexer<'c>);

impl<'c> NewListed<'c> {
    pub fn new(c: &'c Connection) -> Self {
        NewListed(Indexer::new(c, &LAYOUT).same_closure())
    }

    /// Lists `o`, just written and not stored before.
    pub fn add(&mut self, o: &Order) -> rusqlite::Result<()> {
        self.0.add(&keyed(o))
    }

    /// Writes the counts.
    pub fn finish(self) -> rusqlite::Result<()> {
        self.0.finish()
    }
}

/// One change in a feed: the order as stored, with where it is and who
/// billed it (what decides whether the reader still sees it).
#[derive(Debug, Clone)]
pub struct FeedRow {
    pub seq: i64,
    pub order_no: String,
    pub current: Option<String>,
    pub billing: Option<String>,
    pub body: String,
}

impl FeedRow {
    /// The columns [`FeedRow::read`] reads, from `orders o`.
    pub(crate) const COLS: &str =
        "o.seq, o.order_no, o.current_outlet_code, o.billing_outlet_code, o.body";

    pub(crate) fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<FeedRow> {
        Ok(FeedRow {
            seq: r.get(0)?,
            order_no: r.get(1)?,
            current: r.get(2)?,
            billing: r.get(3)?,
            body: r.get(4)?,
        })
    }
}

/// Changes under `anc` after `seq`, oldest first: (seq, body).
pub fn feed(
    c: &Connection,
    anc: &str,
    seq: i64,
    limit: i64,
) -> rusqlite::Result<Vec<(i64, String)>> {
    Ok(feed_rows(c, anc, seq, limit)?
        .into_iter()
        .map(|r| (r.seq, r.body))
        .collect())
}

/// Changes under `anc` after `seq`, oldest first.
pub fn feed_rows(
    c: &Connection,
    anc: &str,
    seq: i64,
    limit: i64,
) -> rusqlite::Result<Vec<FeedRow>> {
    c.prepare_cached(&format!(
        "SELECT {} FROM order_feed f CROSS JOIN orders o ON o.order_no = f.order_no
         WHERE f.anc = ?1 AND f.seq > ?2 ORDER BY f.seq LIMIT ?3",
        FeedRow::COLS
    ))?
    .query_map(rusqlite::params![anc, seq, limit], FeedRow::read)?
    .collect()
}

/// One page of `status` under `anc` (`None` = every order), oldest first,
/// and the exact count.
pub fn page(
    c: &Connection,
    anc: Option<&str>,
    status: Status,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<(Vec<String>, i64)> {
    let total = index::count(c, anc.unwrap_or(index::ALL), status.as_str())?;
    let bodies = match anc {
        Some(anc) => c
            .prepare_cached(
                "SELECT o.body FROM order_scope s CROSS JOIN orders o ON o.order_no = s.order_no
                 WHERE s.anc = ?1 AND s.status = ?2
                 ORDER BY s.created_at, s.order_no LIMIT ?3 OFFSET ?4",
            )?
            .query_map(
                rusqlite::params![anc, status.as_str(), limit, offset],
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<_>>()?,
        None => c
            .prepare_cached(
                "SELECT body FROM orders WHERE status = ?1
                 ORDER BY created_at, order_no LIMIT ?2 OFFSET ?3",
            )?
            .query_map(rusqlite::params![status.as_str(), limit, offset], |r| {
                r.get(0)
            })?
            .collect::<rusqlite::Result<_>>()?,
    };
    Ok((bodies, total))
}
