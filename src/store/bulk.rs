//! A cold sync into an empty cache is a bulk load (issue 11): its pages
//! write the order rows, their placed-time index and the whole table's
//! counts alone; the other secondary indexes and the scope index are built
//! once, sorted, when the last page comes — about eight random B-tree
//! inserts per order avoided.
//!
//! While `meta.bulk_load` is set, the whole-cache list (全部, by placed
//! time) fills as pages come, and the per-outlet lists and status counts
//! show the load when it ends. It never outlives the pull that set it: the pull's last page ends
//! it ([`end`]), so does a pull that stops early
//! ([`crate::store::Store::end_bulk_load`]), a view change or another
//! user's login, and a cache opened with it still set (the app was closed
//! or died mid-load) is indexed before anything reads it.

use rusqlite::Connection;

use super::{StoreError, get_meta, scope, set_meta};

const FLAG: &str = "bulk_load";

/// The orders table's secondary indexes a bulk load builds at its end, as
/// the migrations made them (`orders_created` stays: feed order is close to
/// placed-time order, so its inserts are cheap, and the list reads it).
const INDEXES: &str = "
    CREATE INDEX IF NOT EXISTS orders_status_created ON orders(status, created_at, order_no);
    CREATE INDEX IF NOT EXISTS orders_outlet_status ON orders(current_outlet_code, status, created_at);";

/// Whether a bulk load is under way.
pub(super) fn active(c: &Connection) -> Result<bool, StoreError> {
    Ok(get_meta(c, FLAG)?.is_some())
}

/// Starts a bulk load if the cache has no orders and no place in the feed
/// (a first sync, or one after the view changed); says whether it did.
pub(super) fn begin(c: &Connection) -> Result<bool, StoreError> {
    let empty: bool = c.query_row(
        "SELECT NOT EXISTS(SELECT 1 FROM orders) AND NOT EXISTS(SELECT 1 FROM meta WHERE key = 'cursor')",
        [],
        |r| r.get(0),
    )?;
    if !empty {
        return Ok(false);
    }
    c.execute_batch(
        "DROP INDEX IF EXISTS orders_status_created;
         DROP INDEX IF EXISTS orders_outlet_status;",
    )?;
    scope::clear_orders(c)?;
    set_meta(c, FLAG, "1")?;
    Ok(true)
}

/// Builds every index over what was loaded, inside the caller's
/// transaction: the load's rows and their indexes commit together.
pub(super) fn end(c: &Connection) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    c.execute_batch(INDEXES)?;
    let indexes = started.elapsed();
    scope::rebuild_orders(c)?;
    c.execute("DELETE FROM meta WHERE key = ?1", [FLAG])?;
    tracing::debug!(
        indexes_ms = indexes.as_millis() as u64,
        scope_ms = (started.elapsed() - indexes).as_millis() as u64,
        "cache: bulk load indexed"
    );
    Ok(())
}

/// Ends a load left unfinished by an earlier run (at open).
pub(super) fn recover(c: &mut Connection) -> Result<(), StoreError> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    if active(&tx)? {
        tracing::info!("cache: indexing a bulk load the last run did not finish");
        end(&tx)?;
    }
    tx.commit()?;
    Ok(())
}

/// A backlog's pages touch far more of the file than SQLite's default
/// 2 MB page cache holds: 64 MB on the sync connection while it lasts.
pub(super) fn big_cache(c: &Connection) -> Result<(), StoreError> {
    Ok(c.execute_batch(&format!("PRAGMA cache_size = {BIG_CACHE_KIB}"))?)
}

/// [`big_cache`]'s size (negative: KiB, as SQLite counts it).
const BIG_CACHE_KIB: i64 = -65536;

/// Back to the default once the backlog is written, and the memory freed
/// — only when a backlog raised it: an ordinary poll's last page must not
/// throw away the page cache the next list read wants.
pub(super) fn small_cache(c: &Connection) -> Result<(), StoreError> {
    let size: i64 = c.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    if size == BIG_CACHE_KIB {
        c.execute_batch("PRAGMA cache_size = -2000; PRAGMA shrink_memory;")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_size(c: &Connection) -> i64 {
        c.query_row("PRAGMA cache_size", [], |r| r.get(0))
            .expect("cache_size")
    }

    #[test]
    fn only_a_raised_cache_is_given_back() {
        let c = Connection::open_in_memory().expect("db");
        c.execute_batch("PRAGMA cache_size = -4000")
            .expect("own size");
        small_cache(&c).expect("ordinary poll");
        assert_eq!(cache_size(&c), -4000, "an ordinary poll keeps the cache");
        big_cache(&c).expect("backlog");
        assert_eq!(cache_size(&c), BIG_CACHE_KIB);
        small_cache(&c).expect("backlog written");
        assert_eq!(cache_size(&c), -2000);
    }
}
