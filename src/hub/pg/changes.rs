//! The change number on PostgreSQL: what makes the order feed gap-free
//! with several writers (issue 15).
//!
//! A sequence is not enough: a transaction that took number 7 can commit
//! after one that took 8, and a reader that already passed 8 never sees 7.
//! So, as on SQLite, the numbers come from one counter row (`meta`
//! `order_seq`), but taken by the **last statement of each write
//! transaction** ([`STAMP`]), which also writes them into the rows that
//! carry them (`orders.seq`, `order_feed.seq`, NULL until then).
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
//! - Every other lock the transaction needs (order rows, change-log rows)
//!   was taken by its earlier statements, so while a writer holds the
//!   counter it waits for nothing but its own commit: no deadlock, and the
//!   counter is held only for the length of one statement and a commit.
//! - Sending statements together (`storage::pg_pipeline`) changes none of
//!   this: PostgreSQL runs a batch's statements one after another in the
//!   order sent, each at READ COMMITTED with its own snapshot, exactly as
//!   if each had been awaited. The order writes send the stamp in the
//!   same batch as the other shared rows it follows (dispatch memory,
//!   counts, report sums, the notification), still as the last
//!   statement, and COMMIT right after its answer: the counter is held
//!   from the stamp to the commit, one round trip.
//!
//! The cost: commits of order writes follow one another (each holds the
//! counter through its commit). With `lock_timeout` set on every
//! connection (see [`super::SESSION_SETTINGS`]), a stuck writer fails the
//! others' waits instead of freezing them.

/// Takes `cardinality($1)` change numbers from the counter and stamps them,
/// in `$1`'s order, on the orders named in `$1` (`text[]`, each order
/// once) and on the change-log rows this transaction wrote for them (those
/// still NULL). Returns the last number taken and how many orders it
/// stamped; fails when an order named was not written in this transaction
/// (a writer's bug that would otherwise leave a number to nobody). Must
/// be the last statement of the write transaction.
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
), stamped_feed AS (
    UPDATE order_feed f SET seq = n.seq FROM numbered n
    WHERE f.order_no = n.order_no AND f.seq IS NULL
    RETURNING f.order_no
)
-- Fails the statement (so the transaction cannot commit, even when the
-- COMMIT was sent with it) when an order named was not written here.
SELECT last, CASE WHEN s.n = cardinality($1::text[]) THEN s.n
    ELSE ('an order named was not written in this transaction: ' || s.n)::bigint END
FROM taken, (SELECT count(*) AS n FROM stamped_orders) s";

/// Runs [`STAMP`] for `orders` (the orders this transaction wrote, in
/// the order written, each once) and returns the last change number.
/// `Err` also when an order named was not written (a caller's bug that
/// would otherwise leave a number to nobody).
pub async fn stamp(tx: &tokio_postgres::Transaction<'_>, orders: &[String]) -> Result<i64, String> {
    if orders.is_empty() {
        return Err("no orders to stamp".into());
    }
    let rows = tx
        .query(STAMP, &[&orders])
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
