//! The tree-level upkeep of an outlet write on PostgreSQL (issue 15): the
//! closure (`outlet_closure`), the scope index and change log of the
//! orders at outlets whose ancestors changed, the 阿里巴巴成交比 counters
//! of the orders counted for them, and the view epochs — what SQLite's
//! `scope::refresh` / `scope::added` (around `report::around_tree_change`
//! / `report::around_outlet_added`) and `db::views_changed` do, with the
//! same rules, written set-wise in SQL.
//!
//! Every step reads `outlet_closure` as it is at that moment, so one
//! order of work serves both a new leaf (its closure rows written
//! directly) and any other change (the closure of the changed outlet's
//! subtree recomputed and swapped in — SQLite recomputes the whole tree,
//! with the same result): the affected orders and counters are taken
//! **out** under the closure before the change and put back **in** under
//! the one after it; the count deltas are summed in temporary tables and
//! written once.
//!
//! Concurrency: an outlet write takes [`LOCK_ORDERS`] first. `EXCLUSIVE`
//! lets plain reads on but waits for every transaction that has written
//! or locked an order (they commit first, and are re-listed here like any
//! other), and makes every order write that starts later wait at its
//! first touch of `orders` until the tree change commits — by then, at
//! READ COMMITTED, its next statements read the new closure. So an order
//! write never lists an order under a closure that is being replaced,
//! and two tree changes (two administrators, two hubs) run one after the
//! other. Outlet writes are rare; an order write waits for one for the
//! length of its transaction.

use tokio_postgres::Transaction;

use crate::hub::error::ApiError;

/// The first statement of every outlet write (see the module comment).
pub const LOCK_ORDERS: &str = "LOCK TABLE orders IN EXCLUSIVE MODE";

/// Where the counts of one write gather before they are written once.
const DELTAS: &str = "
    CREATE TEMP TABLE tree_scope_delta (anc text, status text, n bigint) ON COMMIT DROP;
    CREATE TEMP TABLE tree_report_delta (
        anc text, day date, valid bigint, billed bigint, for_others bigint, by_others bigint,
        returned bigint, pickup_failed bigint, cancelled bigint, open bigint, discount_fen bigint
    ) ON COMMIT DROP;
    CREATE TEMP TABLE tree_orders ON COMMIT DROP AS
        SELECT order_no, status, created_at, seq,
               coalesce(trim(current_outlet_code), '') AS cur,
               coalesce(trim(billing_outlet_code), '') AS bill
        FROM orders WHERE false;";

/// The orders listed under outlets `$1` (as current or billing outlet),
/// with the scope index's columns. Found through `order_outlets` (every
/// outlet an order was ever at or billed by, indexed by outlet: the order
/// writes keep it, on both engines) rather than a scan of every order;
/// codes are stored trimmed, so the exact comparison finds them all.
const AFFECTED: &str = "
    INSERT INTO tree_orders
    SELECT order_no, status, created_at, seq,
           coalesce(trim(current_outlet_code), ''), coalesce(trim(billing_outlet_code), '')
    FROM orders
    WHERE order_no IN (SELECT order_no FROM order_outlets WHERE outlet_code = ANY($1))
      AND (coalesce(trim(current_outlet_code), '') = ANY($1)
           OR coalesce(trim(billing_outlet_code), '') = ANY($1))";

/// Each affected order's ancestors under the closure as it is now: its
/// current outlet's (the pool when the network lacks it), then its
/// billing outlet's but the pool's (as `scope_index::Indexer`).
const LISTED_UNDER: &str = "
    SELECT k.order_no, k.status, k.created_at, coalesce(c.anc, '') AS anc
    FROM tree_orders k LEFT JOIN outlet_closure c ON c.code = k.cur
    UNION
    SELECT k.order_no, k.status, k.created_at, c.anc
    FROM tree_orders k JOIN outlet_closure c ON c.code = k.bill
    WHERE k.bill <> '' AND k.bill <> k.cur AND c.anc <> ''";

/// The report counters of the entries counted for outlets `$1`, times
/// `$2` (-1 out, 1 in), under the closure as it is now: an outlet the
/// network lacks counts under the pool and every HQ (as `report::Sums`).
const REPORT_SIDE: &str = "
    WITH e AS (
        SELECT * FROM report_entry
        WHERE resp = ANY($1) OR (billed_for <> '' AND billed_for = ANY($1))
    ), codes AS (
        SELECT trim(resp) AS code FROM e
        UNION SELECT trim(billed_for) FROM e WHERE billed_for <> ''
    ), up AS (
        SELECT x.code, k.anc FROM codes x JOIN outlet_closure k ON k.code = x.code
        UNION ALL
        SELECT x.code, h.anc FROM codes x
        CROSS JOIN (SELECT '' AS anc UNION ALL SELECT code FROM outlets WHERE kind = 'hq') h
        WHERE NOT EXISTS (SELECT 1 FROM outlet_closure k WHERE k.code = x.code)
    )
    INSERT INTO tree_report_delta
    SELECT u.anc, e.day, $2::int * e.valid::int, $2::int * e.billed::int, $2::int * (e.billed_for <> '')::int, 0,
           $2::int * e.returned::int, $2::int * e.pickup_failed::int, $2::int * e.cancelled::int,
           $2::int * e.open::int, $2::int * e.discount_fen
    FROM e JOIN up u ON u.code = trim(e.resp)
    UNION ALL
    SELECT u.anc, e.day, 0, 0, 0, $2::int, 0, 0, 0, 0, 0
    FROM e JOIN up u ON u.code = trim(e.billed_for) WHERE e.billed_for <> ''";

/// Marks every affected order changed under the ancestors it was or is
/// listed under, at its own change number (as SQLite's log does). A row
/// already at that number is left as it is: rewriting it changes nothing
/// and was most of a move's time.
const LOG: &str = "
    INSERT INTO order_feed(anc, order_no, seq)
    SELECT l.anc, l.order_no, k.seq FROM tree_listed l JOIN tree_orders k USING (order_no)
    ON CONFLICT (anc, order_no) DO UPDATE SET seq = excluded.seq
    WHERE order_feed.seq IS DISTINCT FROM excluded.seq";

/// Writes the gathered deltas; a net zero writes nothing (as SQLite's).
const WRITE_DELTAS: &str = "
    INSERT INTO scope_count(anc, status, n)
    SELECT anc, status, sum(n) FROM tree_scope_delta GROUP BY anc, status HAVING sum(n) <> 0
    ON CONFLICT (anc, status) DO UPDATE SET n = scope_count.n + excluded.n;
    INSERT INTO report_day(anc, day, valid, billed, for_others, by_others, returned,
        pickup_failed, cancelled, open, discount_fen)
    SELECT * FROM (
        SELECT anc, day, sum(valid)::bigint AS valid, sum(billed)::bigint AS billed,
               sum(for_others)::bigint AS for_others, sum(by_others)::bigint AS by_others,
               sum(returned)::bigint AS returned, sum(pickup_failed)::bigint AS pickup_failed,
               sum(cancelled)::bigint AS cancelled, sum(open)::bigint AS open,
               sum(discount_fen)::bigint AS discount_fen
        FROM tree_report_delta GROUP BY anc, day
    ) s
    WHERE valid <> 0 OR billed <> 0 OR for_others <> 0 OR by_others <> 0 OR returned <> 0
       OR pickup_failed <> 0 OR cancelled <> 0 OR open <> 0 OR discount_fen <> 0
    ON CONFLICT (anc, day) DO UPDATE SET valid = report_day.valid + excluded.valid,
        billed = report_day.billed + excluded.billed,
        for_others = report_day.for_others + excluded.for_others,
        by_others = report_day.by_others + excluded.by_others,
        returned = report_day.returned + excluded.returned,
        pickup_failed = report_day.pickup_failed + excluded.pickup_failed,
        cancelled = report_day.cancelled + excluded.cancelled,
        open = report_day.open + excluded.open,
        discount_fen = report_day.discount_fen + excluded.discount_fen;";

/// The closure is about to change for outlets `codes`: takes their orders
/// out of the index and their counters out of the sums, under the
/// closure as it is.
async fn take_out(tx: &Transaction<'_>, codes: &[String]) -> Result<(), ApiError> {
    tx.batch_execute(DELTAS).await?;
    tx.execute(AFFECTED, &[&codes]).await?;
    tx.execute(REPORT_SIDE, &[&codes, &-1i32]).await?;
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE tree_listed ON COMMIT DROP AS {LISTED_UNDER};
         WITH gone AS (
             DELETE FROM order_scope s USING tree_listed l
             WHERE s.anc = l.anc AND s.status = l.status AND s.created_at = l.created_at
               AND s.order_no = l.order_no
             RETURNING s.anc, s.status
         )
         INSERT INTO tree_scope_delta SELECT anc, status, -1 FROM gone;
         {LOG};"
    ))
    .await?;
    Ok(())
}

/// The closure changed: puts the same orders and counters back in under
/// the new closure and writes the deltas.
async fn put_in(tx: &Transaction<'_>, codes: &[String]) -> Result<(), ApiError> {
    tx.execute(REPORT_SIDE, &[&codes, &1i32]).await?;
    tx.batch_execute(&format!(
        "DELETE FROM tree_listed;
         INSERT INTO tree_listed {LISTED_UNDER};
         WITH put AS (
             INSERT INTO order_scope(anc, status, created_at, order_no)
             SELECT anc, status, created_at, order_no FROM tree_listed
             ON CONFLICT DO NOTHING
             RETURNING anc, status
         )
         INSERT INTO tree_scope_delta SELECT anc, status, 1 FROM put;
         {LOG};
         {WRITE_DELTAS}"
    ))
    .await?;
    Ok(())
}

/// The closure rows of `$1` and every outlet below it, as the outlets
/// are now: each with its ancestors (itself included), and the pool's
/// key for an HQ — the rows SQLite's `scope_index::closure_sql!` gives
/// them.
const SUBTREE_CLOSURE: &str = "
    WITH RECURSIVE sub(code) AS (
        SELECT code FROM outlets WHERE code = $1
        UNION
        SELECT o.code FROM outlets o JOIN sub ON o.parent_code = sub.code
    ), up(code, anc) AS (
        SELECT code, code FROM sub
        UNION
        SELECT up.code, o.parent_code FROM up JOIN outlets o ON o.code = up.anc
        WHERE o.parent_code IS NOT NULL AND o.parent_code <> ''
    )
    SELECT code, anc FROM up
    UNION
    SELECT code, '' FROM outlets WHERE kind = 'hq' AND code IN (SELECT code FROM sub)";

/// Outlet `root` moved, changed kind or was deleted (its row already
/// written): brings the closure of `root` and every outlet below it up to
/// date — only theirs can change, as an outlet's ancestors are its
/// parents' chain — and moves what that affects. An edit that changes
/// neither parent nor kind changes no closure and needs no call.
pub async fn refresh(tx: &Transaction<'_>, root: &str) -> Result<(), ApiError> {
    tx.execute(
        &format!("CREATE TEMP TABLE tree_next ON COMMIT DROP AS {SUBTREE_CLOSURE}"),
        &[&root],
    )
    .await?;
    // The outlets whose rows may differ: the subtree now, and `root`
    // itself (a deleted outlet has none now).
    tx.execute(
        "CREATE TEMP TABLE tree_scope ON COMMIT DROP AS
         SELECT DISTINCT code FROM tree_next UNION SELECT $1::text",
        &[&root],
    )
    .await?;
    let changed: Vec<String> = tx
        .query(
            "SELECT code FROM (SELECT code, anc FROM tree_next
                               EXCEPT SELECT c.code, c.anc FROM outlet_closure c
                                      JOIN tree_scope s ON s.code = c.code) a
             UNION
             SELECT code FROM (SELECT c.code, c.anc FROM outlet_closure c
                                      JOIN tree_scope s ON s.code = c.code
                               EXCEPT SELECT code, anc FROM tree_next) b",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    take_out(tx, &changed).await?;
    tx.batch_execute(
        "DELETE FROM outlet_closure c USING tree_scope s
         WHERE c.code = s.code
           AND NOT EXISTS (SELECT 1 FROM tree_next n WHERE n.code = c.code AND n.anc = c.anc);
         INSERT INTO outlet_closure(code, anc) SELECT code, anc FROM tree_next ON CONFLICT DO NOTHING;",
    )
    .await?;
    put_in(tx, &changed).await
}

/// Outlet `code` was added (its row already written) under `parent`, an
/// HQ when `hq`: a leaf gets its parent's closure plus itself directly,
/// so adding 20,000 outlets stays linear; an outlet others already name
/// as their parent brings its subtree along ([`refresh`]).
pub async fn added(
    tx: &Transaction<'_>,
    code: &str,
    parent: Option<&str>,
    hq: bool,
) -> Result<(), ApiError> {
    let named: bool = tx
        .query_one(
            "SELECT EXISTS(SELECT 1 FROM outlets WHERE parent_code = $1 AND code <> $1)
                 OR EXISTS(SELECT 1 FROM outlet_closure WHERE anc = $1)",
            &[&code],
        )
        .await?
        .get(0);
    if named {
        return refresh(tx, code).await;
    }
    let codes = [code.to_owned()];
    take_out(tx, &codes).await?;
    tx.execute(
        "INSERT INTO outlet_closure(code, anc)
         SELECT $1, anc FROM outlet_closure WHERE code = $2 AND anc <> ''
         UNION SELECT $1, $1
         UNION SELECT $1, '' WHERE $3
         ON CONFLICT DO NOTHING",
        &[&code, &parent.unwrap_or_default(), &hq],
    )
    .await?;
    put_in(tx, &codes).await
}

/// `code`'s subtree joins or leaves its ancestors' views now: when an
/// order was ever at an outlet of it, each ancestor's view epoch rises
/// (as `db::views_changed`, with the closure as it is).
pub async fn views_changed(tx: &Transaction<'_>, code: &str) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO meta(key, value)
         SELECT 'view_epoch:' || anc, '1' FROM outlet_closure
         WHERE code = $1 AND anc <> $1
           AND (EXISTS(SELECT 1 FROM outlet_closure k
                       JOIN order_outlets oo ON oo.outlet_code = k.code WHERE k.anc = $1)
                OR EXISTS(SELECT 1 FROM order_outlets WHERE outlet_code = $1))
         ON CONFLICT (key) DO UPDATE SET value = (coalesce(
             CASE WHEN meta.value ~ '^-?[0-9]+$' THEN meta.value::bigint END, 0) + 1)::text",
        &[&code],
    )
    .await?;
    Ok(())
}
