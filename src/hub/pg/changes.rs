//! The change number on PostgreSQL: what makes the order feed gap-free
//! with several writers (issue 15).
//!
//! A sequence is not enough: a transaction that took number 7 can commit
//! after one that took 8, and a reader that already passed 8 never sees 7.
//! So, as on SQLite, the numbers come from one counter row (`meta`
//! `order_seq`), but taken by the **last statement of each write
//! transaction** ([`STAMP`]), which also writes them into the rows that
//! carry them (`orders.seq`, NULL until then, and the change-log rows,
//! which it writes itself).
//!
//! Why no reader can skip a number:
//! - The statement updates the counter row and keeps its row lock until the
//!   transaction ends. A second writer reaching its own last statement
//!   waits for that lock; under READ COMMITTED (PostgreSQL's default, which
//!   the storage must keep: REPEATABLE READ would fail the waiter instead)
//!   it then re-reads the committed counter and takes the numbers above.
//!   Numbers are therefore handed out in commit order.
//! - PostgreSQL releases a transaction's locks only after its commit is
//!   visible to new snapshots. So when a writer holds number n+1, the
//!   writer of n has committed and is visible (or rolled back, taking its
//!   counter step with it). A feed query whose snapshot holds a row at n+1
//!   holds every committed row at or below n: `seq > cursor` never passes
//!   a change that appears later.
//! - Every other lock the transaction needs was taken by its earlier
//!   statements (order rows, scope rows, the shared counts), or is on a
//!   row no other transaction can hold: the change-log rows the stamp
//!   writes itself (below) are keyed by an order this transaction holds
//!   (locked `FOR UPDATE`, or inserted by it, which a second inserter of
//!   the number waits on) from an earlier statement to its commit, and
//!   the only other writer of change-log rows, an outlet write, holds the
//!   network lock exclusively, which every order write holds shared from
//!   its first step. So while a writer holds the counter it waits for
//!   nothing but its own commit: no deadlock, and the counter is held
//!   only for the length of one statement and a commit.
//! - Sending statements together (`storage::pg_pipeline`) changes none of
//!   this: PostgreSQL runs a batch's statements one after another in the
//!   order sent, each at READ COMMITTED with its own snapshot, exactly as
//!   if each had been awaited. The order writes send the stamp in the
//!   same batch as the other shared rows it follows (dispatch memory,
//!   counts, report sums, the notification), still as the last
//!   statement, and COMMIT right after its answer: the counter is held
//!   from the stamp to the commit, one round trip.
//! - The stamp writes the change-log rows itself, at their numbers,
//!   instead of updating rows written NULL earlier: nothing finds a row
//!   by order number alone there (the log is keyed by ancestor first),
//!   so updating the NULL rows of an order scanned the whole log while
//!   every other writer waited on the counter; and each NULL row cost a
//!   deferred check at commit, also under the counter. A change-log row
//!   is therefore never NULL in a transaction of the hub's own (the
//!   deferred trigger of `schema.rs` still refuses one that would be
//!   committed); an order row is NULL from its write until the stamp.
//!
//! The cost: commits of order writes follow one another (each holds the
//! counter through its commit). With `lock_timeout` set on every
//! connection (see [`super::SESSION_SETTINGS`]), a stuck writer fails the
//! others' waits instead of freezing them.

/// Takes `cardinality($1)` change numbers from the counter and stamps them,
/// in `$1`'s order, on the orders named in `$1` (`text[]`, each order
/// once), and writes the change-log rows `($2[i], $3[i])` (ancestor,
/// order; each pair once, each order one of `$1`) at their order's
/// number. Returns the last number taken and how many orders it stamped;
/// fails when an order named was not written in this transaction (a
/// writer's bug that would otherwise leave a number to nobody). Must be
/// the last statement of the write transaction.
pub const STAMP: &str = "
WITH taken AS (
    INSERT INTO meta(key, value) VALUES ('order_seq', cardinality($1::text[])::text)
    ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + cardinality($1::text[]))::text
    RETURNING value::bigint AS last
), numbered AS (
    SELECT w.order_no, taken.last - cardinality($1::text[]) + w.i AS seq
    FROM taken, unnest($1::text[]) WITH ORDINALITY AS w(order_no, i)
), stamped_orders AS (
    UPDATE orders o SET seq = n.seq FROM numbered n WHERE o.order_no = n.order_no
    RETURNING o.order_no
), logged AS (
    INSERT INTO order_feed(anc, order_no, seq)
    SELECT l.anc, l.order_no, n.seq
    FROM unnest($2::text[], $3::text[]) AS l(anc, order_no) JOIN numbered n USING (order_no)
    ON CONFLICT (anc, order_no) DO UPDATE SET seq = excluded.seq
)
-- Fails the statement (so the transaction cannot commit, even when the
-- COMMIT was sent with it) when an order named was not written here.
SELECT last, CASE WHEN s.n = cardinality($1::text[]) THEN s.n
    ELSE ('an order named was not written in this transaction: ' || s.n)::bigint END
FROM taken, (SELECT count(*) AS n FROM stamped_orders) s";

/// Runs [`STAMP`] for `orders` (the orders this transaction wrote, in
/// the order written, each once) and their change-log rows `logged`
/// (ancestor, order), and returns the last change number. `Err` also when
/// an order named was not written (a caller's bug that would otherwise
/// leave a number to nobody).
pub async fn stamp(
    tx: &tokio_postgres::Transaction<'_>,
    orders: &[String],
    logged: &[(String, String)],
) -> Result<i64, String> {
    if orders.is_empty() {
        return Err("no orders to stamp".into());
    }
    let (ancs, owners): (Vec<&str>, Vec<&str>) =
        logged.iter().map(|(a, o)| (a.as_str(), o.as_str())).unzip();
    let rows = tx
        .query(STAMP, &[&orders, &ancs, &owners])
        .await
        .map_err(|e| e.to_string())?;
    checked(&rows, orders.len())
}

/// The last change number from [`STAMP`]'s `rows`, run for `named`
/// orders; `Err` when fewer were written in this transaction.
pub fn checked(rows: &[tokio_postgres::Row], named: usize) -> Result<i64, String> {
    let row = rows.first().ok_or("the stamp answered no row")?;
    let (last, stamped): (i64, i64) = (row.get(0), row.get(1));
    if stamped != named as i64 {
        return Err(format!(
            "{named} orders named, {stamped} written in this transaction"
        ));
    }
    Ok(last)
}
