//! A cold sync into an empty cache is a bulk load (issue 11): its pages
//! write the order rows (the table has no index but its key: every list
//! reads the scope index) and the whole table's counts alone; the scope
//! index is built once, sorted, when the last page comes — about five
//! random B-tree inserts per order avoided.
//!
//! While `meta.bulk_load` is set the lists are empty (the screen says the
//! orders show once they have all arrived) and the status counts follow
//! the load. It never outlives the pull that set it: the pull's last page
//! ends it ([`end`]), so does a pull that stops early
//! ([`crate::store::Store::end_bulk_load`]), a view change or another
//! user's login, and a cache opened with it still set (the app was closed
//! or died mid-load) is indexed before anything reads it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::Connection;

use super::{StoreError, get_meta, scope, set_meta};
use crate::scope_sorted::Gathered;

const FLAG: &str = "bulk_load";

/// Whether a bulk load is under way.
pub(super) fn active(c: &Connection) -> Result<bool, StoreError> {
    Ok(get_meta(c, FLAG)?.is_some())
}

/// The index columns of every order a bulk load's pages inserted, kept on
/// the connection that wrote them, so its end builds the scope index
/// without reading the whole table back. Used only when nothing else
/// changed the orders meanwhile ([`Gathering::is_whole`]); otherwise the
/// table is read as before.
pub(super) struct Gathering {
    keys: Gathered,
    /// `PRAGMA data_version` when the load began: it moves when another
    /// connection commits anything.
    data_version: i64,
}

impl Gathering {
    /// A new order the load inserted.
    pub(super) fn add(
        &mut self,
        order_no: &str,
        status: &str,
        created_at: rusqlite::types::ValueRef<'_>,
        contacted: bool,
        current: &str,
        billing: &str,
    ) {
        self.keys
            .push(order_no, status, created_at, contacted, current, billing);
    }

    /// Whether the orders table holds exactly the gathered orders: no
    /// other connection committed since the load began, this one neither
    /// updated nor deleted an order (the temporary triggers count those),
    /// and there are as many rows as gathered (an insert not gathered).
    fn is_whole(&self, c: &Connection) -> Result<bool, StoreError> {
        let changed: i64 = c.query_row("SELECT n FROM temp.bulk_changes", [], |r| r.get(0))?;
        let rows: i64 = c.query_row("SELECT count(*) FROM orders", [], |r| r.get(0))?;
        Ok(changed == 0
            && data_version(c)? == self.data_version
            && usize::try_from(rows).ok() == Some(self.keys.len()))
    }
}

fn data_version(c: &Connection) -> Result<i64, StoreError> {
    Ok(c.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

/// Starts a bulk load if the cache has no orders and no place in the feed
/// (a first sync, or one after the view changed); the load's
/// [`Gathering`] when it did.
pub(super) fn begin(c: &Connection) -> Result<Option<Gathering>, StoreError> {
    let empty: bool = c.query_row(
        "SELECT NOT EXISTS(SELECT 1 FROM orders) AND NOT EXISTS(SELECT 1 FROM meta WHERE key = 'cursor')",
        [],
        |r| r.get(0),
    )?;
    if !empty {
        return Ok(None);
    }
    c.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS bulk_changes (n INTEGER NOT NULL);
         DELETE FROM temp.bulk_changes;
         INSERT INTO temp.bulk_changes(n) VALUES (0);
         CREATE TEMP TRIGGER IF NOT EXISTS bulk_order_updated AFTER UPDATE ON main.orders
         BEGIN UPDATE temp.bulk_changes SET n = n + 1; END;
         CREATE TEMP TRIGGER IF NOT EXISTS bulk_order_deleted AFTER DELETE ON main.orders
         BEGIN UPDATE temp.bulk_changes SET n = n + 1; END;",
    )?;
    scope::clear_orders(c)?;
    set_meta(c, FLAG, "1")?;
    Ok(Some(Gathering {
        keys: Gathered::new(),
        data_version: data_version(c)?,
    }))
}

/// Builds every index over what was loaded, inside the caller's
/// transaction: the load's rows and their indexes commit together. The
/// scope index from `gathered` when it is the whole table, else from the
/// table.
pub(super) fn end(c: &Connection, gathered: Option<&Gathering>) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let gathered = match gathered {
        Some(g) if g.is_whole(c)? => Some(&g.keys),
        _ => None,
    };
    match gathered {
        Some(keys) => scope::rebuild_gathered(c, keys)?,
        None => scope::rebuild_orders(c)?,
    }
    c.execute("DELETE FROM meta WHERE key = ?1", [FLAG])?;
    tracing::debug!(
        scope_ms = started.elapsed().as_millis() as u64,
        gathered = gathered.is_some(),
        "cache: bulk load indexed"
    );
    Ok(())
}

/// Ends a load left unfinished by an earlier run (at open).
pub(super) fn recover(c: &mut Connection) -> Result<(), StoreError> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    if active(&tx)? {
        tracing::info!("cache: indexing a bulk load the last run did not finish");
        end(&tx, None)?;
    }
    tx.commit()?;
    Ok(())
}

/// Copies a backlog's write-ahead log into the file on a thread of its
/// own while the backlog is written (issue 11). SQLite otherwise does it
/// on the writing connection after its commits: at 1M orders about 5 s of
/// the cold sync's 21 s, with the second core idle. The writer's own
/// checkpoints are off meanwhile ([`Checkpointer::start`]); dropping the
/// handle turns them back on, and the thread copies what is left, then
/// ends, so no later commit (a clerk's action on the GUI's connection)
/// pays for the backlog.
pub(super) struct Checkpointer {
    stop: Arc<AtomicBool>,
    progress: Arc<Progress>,
}

/// What the writer committed and how far the thread has copied it.
#[derive(Default)]
struct Progress {
    /// Backlog commits so far.
    committed: AtomicU64,
    /// The last commit the thread had copied in full; a new commit wakes
    /// the thread, a full copy wakes the writer.
    copied: Mutex<u64>,
    changed: Condvar,
}

/// How often the thread copies what was committed since.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(25);
/// After the backlog, how long the thread may try to copy the rest (a
/// long read holds it back).
const CHECKPOINT_TAIL: Duration = Duration::from_secs(60);

impl Checkpointer {
    /// Starts the thread on a connection of its own to `path`, and turns
    /// the writer `c`'s own checkpoints off.
    pub(super) fn start(c: &Connection, path: &Path) -> Result<Checkpointer, StoreError> {
        let own = Connection::open(path)?;
        own.busy_timeout(Duration::from_secs(5))?;
        let stop = Arc::new(AtomicBool::new(false));
        let progress = Arc::new(Progress::default());
        let (stopped, copying) = (stop.clone(), progress.clone());
        std::thread::Builder::new()
            .name("cache-checkpoint".into())
            .spawn(move || copy_until_stopped(&own, &stopped, &copying))
            .map_err(|e| StoreError::Db(e.to_string()))?;
        c.execute_batch("PRAGMA wal_autocheckpoint = 0")?;
        Ok(Checkpointer { stop, progress })
    }

    /// The writer committed a backlog transaction.
    pub(super) fn committed(&self) {
        self.progress.committed.fetch_add(1, Ordering::AcqRel);
        self.progress.changed.notify_all();
    }

    /// Before the writer's next backlog transaction: waits up to `most`
    /// for the thread to have copied everything committed. SQLite starts
    /// the log over only when a transaction begins on a fully copied log;
    /// otherwise the log grows past a gigabyte at 1M orders, and every
    /// commit then writes into newly allocated file.
    pub(super) fn wait_copied(&self, most: Duration) {
        let target = self.progress.committed.load(Ordering::Acquire);
        let copied = self
            .progress
            .copied
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let _ = self
            .progress
            .changed
            .wait_timeout_while(copied, most, |c| *c < target);
    }

    /// Ends the backlog: the writer `c` checkpoints again by itself, and
    /// the thread copies the rest and ends.
    pub(super) fn finish(self, c: &Connection) -> Result<(), StoreError> {
        c.execute_batch("PRAGMA wal_autocheckpoint = 1000")?;
        Ok(())
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

fn copy_until_stopped(c: &Connection, stop: &AtomicBool, progress: &Progress) {
    let mut tail_from = None;
    loop {
        let stopping = stop.load(Ordering::Acquire);
        if stopping && tail_from.is_none() {
            tail_from = Some(std::time::Instant::now());
        }
        let committed = progress.committed.load(Ordering::Acquire);
        // (busy, frames in the log, frames copied)
        let copied = c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        });
        match copied {
            Err(e) => {
                tracing::warn!("cache: background checkpoint stopped: {e}");
                return;
            }
            Ok((log, done)) if stopping && (log == done || log < 0) => return,
            Ok((log, done)) if log == done => {
                *progress
                    .copied
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = committed;
                progress.changed.notify_all();
            }
            Ok(_) => {}
        }
        if tail_from.is_some_and(|t| t.elapsed() > CHECKPOINT_TAIL) {
            return;
        }
        // Until the next commit, or a while (the tail: a reader may hold
        // the log back).
        let copied = progress
            .copied
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let _ = progress
            .changed
            .wait_timeout_while(copied, CHECKPOINT_EVERY, |_| {
                progress.committed.load(Ordering::Acquire) == committed
                    && !stop.load(Ordering::Acquire)
            });
    }
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
