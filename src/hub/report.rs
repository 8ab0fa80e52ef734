//! The 阿里巴巴成交比 counters (SPEC 6): each order's entry
//! (`report_entry`, what it adds and for which outlet) and, per China day,
//! the sums under every ancestor of the outlet it counts for
//! (`report_day`), kept in the same transaction as the order's write. A
//! report reads one row per child outlet and day, whatever the number of
//! orders or outlets below.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use crate::api::report::{ReportColumn, ReportDay, ReportOrder, ReportRow};
use crate::domain::Order;
use crate::domain::report::{self, Entry, Period};

/// The migration: the tables and their indexes.
pub const SCHEMA: &str = "
    CREATE TABLE report_entry (
        order_no TEXT PRIMARY KEY, day TEXT NOT NULL, holder TEXT NOT NULL,
        resp TEXT NOT NULL, billed_for TEXT NOT NULL,
        valid INTEGER NOT NULL, billed INTEGER NOT NULL, returned INTEGER NOT NULL,
        pickup_failed INTEGER NOT NULL, cancelled INTEGER NOT NULL, open INTEGER NOT NULL,
        discount_fen INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX report_entry_resp ON report_entry(resp, day);
    CREATE INDEX report_entry_for ON report_entry(billed_for, day) WHERE billed_for <> '';
    CREATE INDEX report_entry_day ON report_entry(day);
    CREATE TABLE report_day (
        anc TEXT NOT NULL, day TEXT NOT NULL,
        valid INTEGER NOT NULL, billed INTEGER NOT NULL, for_others INTEGER NOT NULL,
        by_others INTEGER NOT NULL, returned INTEGER NOT NULL, pickup_failed INTEGER NOT NULL,
        cancelled INTEGER NOT NULL, open INTEGER NOT NULL, discount_fen INTEGER NOT NULL,
        PRIMARY KEY (anc, day)
    ) WITHOUT ROWID;";

/// The counters' key of the HQ pool.
pub const POOL_KEY: &str = "";

const ENTRY_COLS: &str = "day, holder, resp, billed_for, valid, billed, returned, pickup_failed, cancelled, open, discount_fen";

fn entry_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let day: String = r.get(0)?;
    Ok(Entry {
        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap_or_default(),
        holder: r.get(1)?,
        responsible: r.get(2)?,
        billed_for: r.get(3)?,
        valid: r.get(4)?,
        billed: r.get(5)?,
        returned: r.get(6)?,
        pickup_failed: r.get(7)?,
        cancelled: r.get(8)?,
        open: r.get(9)?,
        ali_discount_fen: r.get(10)?,
    })
}

fn stored(c: &Connection, order_no: &str) -> rusqlite::Result<Option<Entry>> {
    c.prepare_cached(&format!(
        "SELECT {ENTRY_COLS} FROM report_entry WHERE order_no = ?1"
    ))?
    .query_row([order_no], entry_row)
    .optional()
}

/// Whether an order at `code` is in the HQ pool: no outlet, an unknown one,
/// or HQ (whose closure holds the pool's key).
fn in_pool(c: &Connection, code: Option<&str>) -> rusqlite::Result<bool> {
    let code = code.map(str::trim).unwrap_or_default();
    if code.is_empty() {
        return Ok(true);
    }
    let (rows, pool): (i64, i64) = c
        .prepare_cached(
            "SELECT count(*), coalesce(sum(anc = ''), 0) FROM outlet_closure WHERE code = ?1",
        )?
        .query_row([code], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows == 0 || pool > 0)
}

/// The counter deltas of one transaction, written once.
#[derive(Default)]
struct Sums {
    by_key: HashMap<(String, NaiveDate), [i64; 9]>,
    /// The closure table to attribute with (the old one during a tree change).
    closure: &'static str,
}

impl Sums {
    fn new(closure: &'static str) -> Sums {
        Sums {
            by_key: HashMap::new(),
            closure,
        }
    }

    /// The keys `code` counts under: its ancestors (HQ's include the pool
    /// key), or the pool and HQ for no or an unknown outlet.
    fn ancestors(&self, c: &Connection, code: &str) -> rusqlite::Result<Vec<String>> {
        let mut out: Vec<String> = c
            .prepare_cached(&format!("SELECT anc FROM {} WHERE code = ?1", self.closure))?
            .query_map([code.trim()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if out.is_empty() {
            out.push(String::new());
            let mut st = c.prepare_cached("SELECT code FROM outlets WHERE kind = 'hq'")?;
            for hq in st.query_map([], |r| r.get::<_, String>(0))? {
                out.push(hq?);
            }
        }
        Ok(out)
    }

    fn add(&mut self, c: &Connection, e: &Entry, sign: i64) -> rusqlite::Result<()> {
        let own = e.sums(sign);
        for anc in self.ancestors(c, &e.responsible)? {
            let sums = self.by_key.entry((anc, e.day)).or_default();
            for (s, d) in sums.iter_mut().zip(own) {
                *s += d;
            }
        }
        if !e.billed_for.is_empty() {
            for anc in self.ancestors(c, &e.billed_for)? {
                self.by_key.entry((anc, e.day)).or_default()[3] += sign;
            }
        }
        Ok(())
    }

    fn finish(self, c: &Connection) -> rusqlite::Result<()> {
        let mut st = c.prepare_cached(
            "INSERT INTO report_day(anc, day, valid, billed, for_others, by_others, returned,
                 pickup_failed, cancelled, open, discount_fen)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)
             ON CONFLICT(anc, day) DO UPDATE SET valid = valid + excluded.valid,
                 billed = billed + excluded.billed, for_others = for_others + excluded.for_others,
                 by_others = by_others + excluded.by_others, returned = returned + excluded.returned,
                 pickup_failed = pickup_failed + excluded.pickup_failed,
                 cancelled = cancelled + excluded.cancelled, open = open + excluded.open,
                 discount_fen = discount_fen + excluded.discount_fen",
        )?;
        for ((anc, day), s) in self.by_key {
            if s.iter().any(|n| *n != 0) {
                st.execute(params![
                    anc,
                    day.to_string(),
                    s[0],
                    s[1],
                    s[2],
                    s[3],
                    s[4],
                    s[5],
                    s[6],
                    s[7],
                    s[8]
                ])?;
            }
        }
        Ok(())
    }
}

fn write_entry(c: &Connection, order_no: &str, e: &Entry) -> rusqlite::Result<()> {
    c.prepare_cached(&format!(
        "INSERT OR REPLACE INTO report_entry(order_no, {ENTRY_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
    ))?
    .execute(params![
        order_no,
        e.day.to_string(),
        e.holder,
        e.responsible,
        e.billed_for,
        e.valid,
        e.billed,
        e.returned,
        e.pickup_failed,
        e.cancelled,
        e.open,
        e.ali_discount_fen
    ])?;
    Ok(())
}

/// Counts `o` as just written (called by `orders::put` in its transaction):
/// its old entry out, its new one in.
pub fn record(c: &Connection, o: &Order) -> rusqlite::Result<()> {
    let old = stored(c, &o.order_no)?;
    let holder = old.as_ref().map(|e| e.holder.as_str()).unwrap_or_default();
    let pool = in_pool(c, o.current_outlet_code.as_deref())?;
    let new = report::entry(o, holder, pool);
    if old.as_ref() == Some(&new) {
        return Ok(());
    }
    let mut sums = Sums::new("outlet_closure");
    if let Some(old) = &old {
        sums.add(c, old, -1)?;
    }
    sums.add(c, &new, 1)?;
    sums.finish(c)?;
    write_entry(c, &o.order_no, &new)
}

/// The counters of a bulk load of new orders (the national generator):
/// each entry written as it comes, the day sums added up in memory and
/// written once by [`Bulk::finish`].
pub struct Bulk(Sums);

impl Default for Bulk {
    fn default() -> Self {
        Bulk(Sums::new("outlet_closure"))
    }
}

impl Bulk {
    /// Counts `o`, a new order (nobody returned it yet).
    pub fn add(&mut self, c: &Connection, o: &Order) -> rusqlite::Result<()> {
        let pool = in_pool(c, o.current_outlet_code.as_deref())?;
        let e = report::entry(o, "", pool);
        self.0.add(c, &e, 1)?;
        write_entry(c, &o.order_no, &e)
    }

    /// Writes the sums.
    pub fn finish(self, c: &Connection) -> rusqlite::Result<()> {
        self.0.finish(c)
    }
}

/// The migration's backfill: every stored order, with the outlet that
/// returned it (from its events) for one lying in the pool.
pub fn rebuild(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch("DELETE FROM report_entry; DELETE FROM report_day;")?;
    let mut st = c.prepare("SELECT body FROM orders")?;
    let mut rows = st.query([])?;
    let mut returned_by = c.prepare(
        "SELECT outlet_code FROM order_events WHERE order_no = ?1 AND action = 'return'
         ORDER BY seq DESC LIMIT 1",
    )?;
    let mut sums = Sums::new("outlet_closure");
    while let Some(r) = rows.next()? {
        let o = super::orders::parse(&r.get::<_, String>(0)?)?;
        let pool = in_pool(c, o.current_outlet_code.as_deref())?;
        let holder: String = if pool {
            returned_by
                .query_row([&o.order_no], |r| r.get::<_, Option<String>>(0))
                .optional()?
                .flatten()
                .unwrap_or_default()
        } else {
            String::new()
        };
        let e = report::entry(&o, &holder, pool);
        sums.add(c, &e, 1)?;
        write_entry(c, &o.order_no, &e)?;
    }
    sums.finish(c)
}

/// Before the outlet tree changes: keeps the closure the counters were
/// made with.
pub fn before_tree_change(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS report_old_closure (
             code TEXT NOT NULL, anc TEXT NOT NULL, PRIMARY KEY (code, anc)) WITHOUT ROWID;
         DELETE FROM temp.report_old_closure;
         INSERT INTO temp.report_old_closure SELECT code, anc FROM outlet_closure;",
    )
}

/// After the outlet tree changed: moves the counts of every order counted
/// for an outlet whose ancestors changed (a move, a new outlet orders were
/// already addressed to, a deletion, a change of HQ).
pub fn after_tree_change(c: &Connection) -> rusqlite::Result<()> {
    let changed: Vec<String> = c
        .prepare(
            "SELECT code FROM (SELECT code, anc FROM outlet_closure EXCEPT SELECT code, anc FROM temp.report_old_closure)
             UNION
             SELECT code FROM (SELECT code, anc FROM temp.report_old_closure EXCEPT SELECT code, anc FROM outlet_closure)",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if !changed.is_empty() {
        let codes = serde_json::to_string(&changed)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        let entries: Vec<Entry> = c
            .prepare(&format!(
                "SELECT {ENTRY_COLS} FROM report_entry
                 WHERE resp IN (SELECT value FROM json_each(?1))
                    OR (billed_for <> '' AND billed_for IN (SELECT value FROM json_each(?1)))"
            ))?
            .query_map([&codes], entry_row)?
            .collect::<rusqlite::Result<_>>()?;
        // Out under the old tree, in under the new one.
        let mut sums = Sums::new("temp.report_old_closure");
        for e in &entries {
            sums.add(c, e, -1)?;
        }
        sums.closure = "outlet_closure";
        for e in &entries {
            sums.add(c, e, 1)?;
        }
        sums.finish(c)?;
    }
    c.execute_batch("DELETE FROM temp.report_old_closure;")
}

/// The counts under `anc` over `p`.
pub fn sums(c: &Connection, anc: &str, p: &Period) -> rusqlite::Result<ReportRow> {
    c.prepare_cached(
        "SELECT coalesce(sum(valid),0), coalesce(sum(billed),0), coalesce(sum(for_others),0),
                coalesce(sum(by_others),0), coalesce(sum(returned),0), coalesce(sum(pickup_failed),0),
                coalesce(sum(cancelled),0), coalesce(sum(open),0), coalesce(sum(discount_fen),0)
         FROM report_day WHERE anc = ?1 AND day BETWEEN ?2 AND ?3",
    )?
    .query_row(
        params![anc, p.from.to_string(), p.to.to_string()],
        |r| {
            Ok(ReportRow {
                valid: r.get(0)?,
                billed: r.get(1)?,
                billed_for_others: r.get(2)?,
                billed_by_others: r.get(3)?,
                returned: r.get(4)?,
                pickup_failed: r.get(5)?,
                cancelled: r.get(6)?,
                open: r.get(7)?,
                ali_discount_fen: r.get(8)?,
                ..ReportRow::default()
            })
        },
    )
}

/// Valid and billed under `anc` for every day of `p`.
pub fn days(c: &Connection, anc: &str, p: &Period) -> rusqlite::Result<Vec<ReportDay>> {
    let stored: HashMap<String, (i64, i64)> = c
        .prepare_cached(
            "SELECT day, valid, billed FROM report_day WHERE anc = ?1 AND day BETWEEN ?2 AND ?3",
        )?
        .query_map(params![anc, p.from.to_string(), p.to.to_string()], |r| {
            Ok((r.get(0)?, (r.get(1)?, r.get(2)?)))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(p.days()
        .map(|date| {
            let (valid, billed) = stored.get(&date.to_string()).copied().unwrap_or_default();
            ReportDay {
                date,
                valid,
                billed,
            }
        })
        .collect())
}

/// Which orders a drill-down lists.
pub enum Rows<'a> {
    /// Counted anywhere in this outlet's subtree.
    Subtree(&'a str),
    /// Counted for this outlet itself.
    Own(&'a str),
    /// Counted for the HQ pool.
    Pool,
    /// Every order (HQ's whole network).
    All,
}

fn column_sql(col: ReportColumn) -> &'static str {
    match col {
        ReportColumn::All => "1",
        ReportColumn::Valid => "e.valid",
        ReportColumn::Billed => "e.billed",
        ReportColumn::BilledForOthers => "e.billed_for <> ''",
        ReportColumn::BilledByOthers => "e.billed_for <> ''",
        ReportColumn::Returned => "e.returned",
        ReportColumn::PickupFailed => "e.pickup_failed",
        ReportColumn::Cancelled => "e.cancelled",
        ReportColumn::Open => "e.open",
    }
}

/// The orders behind one number, oldest first, and how many there are.
pub fn orders(
    c: &Connection,
    part: Rows<'_>,
    col: ReportColumn,
    p: &Period,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<(i64, Vec<ReportOrder>)> {
    // 被代开 is counted for the outlet the order was billed for.
    let who = if col == ReportColumn::BilledByOthers {
        "e.billed_for"
    } else {
        "e.resp"
    };
    let place = match part {
        Rows::Subtree(_) => {
            format!("{who} IN (SELECT code FROM outlet_closure WHERE anc = ?1)")
        }
        Rows::Own(_) => format!("{who} = ?1"),
        Rows::Pool => format!(
            "({who} IN (SELECT code FROM outlet_closure WHERE anc = '')
              OR {who} NOT IN (SELECT code FROM outlet_closure)) AND ?1 = ''"
        ),
        Rows::All => "?1 = ?1".to_owned(),
    };
    let code = match part {
        Rows::Subtree(c) | Rows::Own(c) => c,
        Rows::Pool | Rows::All => "",
    };
    let filter = format!(
        "FROM report_entry e WHERE {place} AND e.day BETWEEN ?2 AND ?3 AND {}",
        column_sql(col)
    );
    let (from, to) = (p.from.to_string(), p.to.to_string());
    let total: i64 = c
        .prepare(&format!("SELECT count(*) {filter}"))?
        .query_row(params![code, from, to], |r| r.get(0))?;
    let rows: Vec<(String, String, i64)> = c
        .prepare(&format!(
            "SELECT o.body, e.resp, e.discount_fen FROM (SELECT e.order_no, e.resp, e.discount_fen, e.day {filter}
               ORDER BY e.day, e.order_no LIMIT ?4 OFFSET ?5) e
             JOIN orders o ON o.order_no = e.order_no ORDER BY e.day, o.created_at, e.order_no"
        ))?
        .query_map(params![code, from, to, limit, offset], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (body, resp, discount) in rows {
        let o = super::orders::parse(&body)?;
        out.push(super::storage::reports_read::report_order(
            o, resp, discount,
        ));
    }
    Ok((total, out))
}

/// Runs `change` (an outlet write that may change the tree) and moves the
/// counts it affects.
pub fn around_tree_change(
    c: &Connection,
    change: impl FnOnce() -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    before_tree_change(c)?;
    change()?;
    after_tree_change(c)
}

/// Runs `add` (outlet `code` is being added) and moves the counts of the
/// orders already addressed to the code out of the pool. Cheap when the new
/// outlet is a leaf nobody named yet, so loading 20,000 outlets stays linear.
pub fn around_outlet_added(
    c: &Connection,
    code: &str,
    add: impl FnOnce() -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    // Only an outlet already named as a parent can be anyone's ancestor
    // (an indexed look-up; the closure has no index by ancestor).
    let wide: bool = c
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM outlets WHERE parent_code = ?1 AND code <> ?1)",
        )?
        .query_row([code], |r| r.get(0))?;
    if wide {
        return around_tree_change(c, add);
    }
    let entries: Vec<Entry> = c
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLS} FROM report_entry WHERE resp = ?1
             UNION ALL SELECT {ENTRY_COLS} FROM report_entry WHERE billed_for = ?1 AND resp <> ?1"
        ))?
        .query_map([code], entry_row)?
        .collect::<rusqlite::Result<_>>()?;
    let mut sums = Sums::new("outlet_closure");
    for e in &entries {
        sums.add(c, e, -1)?;
    }
    add()?;
    for e in &entries {
        sums.add(c, e, 1)?;
    }
    sums.finish(c)
}
