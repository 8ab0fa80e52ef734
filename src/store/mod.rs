//! The client's local SQLite cache (`cache.db`): outlets and staff here,
//! orders in `orders`, the clerk's unsent actions in `outbox`. WAL with
//! `synchronous=FULL`; every write is `BEGIN IMMEDIATE`.
//!
//! Blocking: call it from a worker thread (`Store::run`), never from the
//! GUI thread.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};

mod bulk;
mod calibration;
mod export;
mod offline_login;
mod orders;
mod outbox;
mod print;
mod rates;
mod report_cache;
mod salvage;
mod scope;
pub use export::After;
pub use offline_login::OfflineCheck;
pub use orders::{COUNT_CAP, ListFilter, OrderRow, PageQuery, SortOrder};
pub use outbox::{OutboxItem, OutboxState};
pub use rates::CachedCard;
pub use report_cache::CachedReport;
pub use salvage::{Salvage, SalvagedAction};

use crate::api::SessionUser;
use crate::domain::clock::ClockAnchor;
use crate::domain::{Outlet, Staff};

/// Why the cache could not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The file is not a usable cache; it was moved aside to `kept` (with
    /// its `-wal`/`-shm`), and what could be read of its outbox queued
    /// again in the new one.
    #[error("cache file was unreadable and was kept aside as {kept}; {salvage:?}")]
    Corrupt {
        /// Where the bad file now is.
        kept: String,
        /// The unsent actions saved from it, and those lost.
        salvage: Salvage,
    },
    /// Any other database failure.
    #[error("cache: {0}")]
    Db(String),
}

impl StoreError {
    /// What to tell the user; the detail is for the log.
    pub fn user_message(&self, lang: crate::i18n::Lang) -> String {
        tracing::warn!("cache: {self}");
        match self {
            StoreError::Corrupt { kept, salvage } => salvage.user_message(lang, kept),
            StoreError::Db(_) => crate::i18n::t(lang, "cache.error"),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

static SCOPE_SCHEMA: std::sync::LazyLock<String> = std::sync::LazyLock::new(scope::schema);

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            r#"
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE outlets (
            code TEXT PRIMARY KEY,
            parent_code TEXT,
            name TEXT NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX outlets_parent ON outlets(parent_code);
        CREATE TABLE staff (
            login TEXT PRIMARY KEY,
            outlet_code TEXT NOT NULL,
            name TEXT NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX staff_outlet ON staff(outlet_code);
        "#,
        ),
        M::up(
            r#"
        CREATE TABLE orders (
            order_no TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            status TEXT NOT NULL,
            current_outlet_code TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            contacted INTEGER NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX orders_status_created ON orders(status, created_at, order_no);
        CREATE INDEX orders_outlet_status ON orders(current_outlet_code, status, created_at);
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            login TEXT NOT NULL DEFAULT '',
            order_no TEXT NOT NULL,
            body TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX outbox_order ON outbox(order_no, id);
        CREATE INDEX outbox_state ON outbox(state, id);
        "#,
        ),
        // The 全部 (any status) list walks this in order instead of sorting.
        M::up("CREATE INDEX orders_created ON orders(created_at, order_no);"),
        // Orders that left the user's view while a refusal on them was
        // still unread: kept until the clerk has read it, then dropped.
        M::up("CREATE TABLE left_view (order_no TEXT PRIMARY KEY);"),
        // Orders a full resync has pulled so far; the rest go when it ends.
        M::up("CREATE TABLE resync_seen (order_no TEXT PRIMARY KEY);"),
        // The rate card, for quotes offline (开单).
        M::up("CREATE TABLE rate_lines (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"),
        // The scope index (issue 11): every list's first page and exact
        // count from a few index rows; existing caches are indexed here.
        M::up_with_hook(SCOPE_SCHEMA.as_str(), |tx: &rusqlite::Transaction| {
            Ok(scope::rebuild(tx)?)
        }),
        // Every list reads the scope index (the whole cache as its tops
        // and the pool): the orders table keeps only its key, and a cold
        // sync writes no other index (issue 11).
        M::up_with_hook(
            "DROP INDEX IF EXISTS orders_status_created;
             DROP INDEX IF EXISTS orders_outlet_status;
             DROP INDEX IF EXISTS orders_created;",
            |tx: &rusqlite::Transaction| Ok(scope::keep_tops(tx)?),
        ),
    ])
}

thread_local! {
    /// Set on the thread that runs the window (see [`mark_gui_thread`]).
    static GUI_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the calling thread as the GUI's. From then on a cache call made on
/// it is a bug — SQLite may wait seconds on a lock or a slow disk and the
/// window would freeze — and debug builds (so every test) panic on it; the
/// UI goes through [`Store::run`].
pub fn mark_gui_thread() {
    GUI_THREAD.with(|g| g.set(true));
}

/// A handle to the cache; clones share one connection.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    /// Shared by every handle (and the sync task's second connection):
    /// when the last one goes, the cache was closed cleanly.
    open_mark: Option<Arc<OpenMark>>,
    /// This connection's bulk load's keys, between its pages.
    gathering: Arc<Mutex<Option<bulk::Gathering>>>,
    /// Copies a backlog's log into the file while this connection writes
    /// the backlog.
    checkpointer: Arc<Mutex<Option<bulk::Checkpointer>>>,
}

/// `cache.db.open` exists while a client has the cache open. Found at start,
/// it means the last run did not close cleanly (crash, power cut), and only
/// then is the whole file checked: `PRAGMA quick_check` reads every page,
/// about 1 s per million orders, which a clean start should not pay.
struct OpenMark(PathBuf);

impl OpenMark {
    fn path_for(cache: &Path) -> PathBuf {
        PathBuf::from(format!("{}.open", cache.display()))
    }
}

impl Drop for OpenMark {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.path.display())
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // The write path and the lists keep their statements prepared.
    conn.set_prepared_statement_cache_capacity(64);
    // 16 KiB pages (a new file only): a cold sync's commits write a quarter
    // of the log frames, and its log wraps instead of growing past 1 GB.
    // The log is cut back to 64 MiB when it wraps, so a backlog does not
    // leave hundreds of megabytes of it on the clerk's disk.
    conn.execute_batch(
        "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         PRAGMA busy_timeout=5000; PRAGMA journal_size_limit=67108864;",
    )
}

/// Opening failed: `bad_file` says the file itself is unusable (corrupt,
/// not a database, a foreign schema) rather than, say, locked.
struct OpenFail {
    bad_file: bool,
    why: String,
}

fn open_checked(path: &Path) -> Result<Connection, OpenFail> {
    let classify = |e: rusqlite::Error| {
        let bad_file = matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
        );
        OpenFail {
            bad_file,
            why: e.to_string(),
        }
    };
    let mut conn = Connection::open(path).map_err(classify)?;
    // Until the file is known good, closing must not checkpoint: a damaged
    // file keeps its `-wal` as it was (it may hold the newest outbox rows).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .map_err(classify)?;
    configure(&conn).map_err(classify)?;
    let unclean = OpenMark::path_for(path).exists();
    let ok: String = if unclean {
        tracing::info!("cache was not closed cleanly: checking {}", path.display());
        conn.query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(classify)?
    } else {
        // Still reads the header and schema: a foreign or truncated file
        // fails here (and in the migrations below) as before.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(classify)?;
        "ok".into()
    };
    if ok != "ok" {
        return Err(OpenFail {
            bad_file: true,
            why: ok,
        });
    }
    migrations().to_latest(&mut conn).map_err(|e| OpenFail {
        bad_file: true,
        why: e.to_string(),
    })?;
    bulk::recover(&mut conn).map_err(|e| OpenFail {
        bad_file: false,
        why: e.to_string(),
    })?;
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        false,
    )
    .map_err(classify)?;
    Ok(conn)
}

impl Store {
    /// Opens the cache. A corrupt or foreign file is moved aside and a
    /// fresh cache is made; the caller learns of it through the second
    /// value so it can tell the user.
    pub fn open(path: &Path) -> Result<(Store, Option<StoreError>), StoreError> {
        if let Some(dir) = path.parent() {
            crate::private_files::private_dir(dir)
                .map_err(|e| StoreError::Db(format!("{}: {e}", dir.display())))?;
        }
        // Customers' names and phones: owner-only (RELIABILITY G6).
        crate::private_files::private_file(path)
            .map_err(|e| StoreError::Db(format!("{}: {e}", path.display())))?;
        let store = |conn| {
            let mark = OpenMark::path_for(path);
            if let Err(e) = std::fs::write(&mark, b"") {
                tracing::warn!("{}: {e}", mark.display());
            }
            Store {
                conn: Arc::new(Mutex::new(conn)),
                path: path.to_path_buf(),
                open_mark: Some(Arc::new(OpenMark(mark))),
                gathering: Default::default(),
                checkpointer: Default::default(),
            }
        };
        match open_checked(path) {
            Ok(conn) => Ok((store(conn), None)),
            Err(OpenFail {
                bad_file: false,
                why,
            }) => Err(StoreError::Db(format!("{}: {why}", path.display()))),
            Err(OpenFail { why, .. }) => {
                tracing::warn!("cache {} unusable: {why}", path.display());
                let kept = salvage::move_aside(path)
                    .map_err(|e| StoreError::Db(format!("{}: {e}", path.display())))?;
                let found = salvage::read(&kept);
                crate::private_files::private_file(path)
                    .map_err(|e| StoreError::Db(format!("{}: {e}", path.display())))?;
                let mut conn = open_checked(path).map_err(|f| StoreError::Db(f.why))?;
                salvage::restore(&mut conn, &found)?;
                tracing::warn!(
                    "cache kept aside as {}: {} waiting actions saved, {} lost{}",
                    kept.display(),
                    found.salvage.recovered.len(),
                    found.salvage.lost.len(),
                    if found.salvage.incomplete {
                        ", maybe more"
                    } else {
                        ""
                    }
                );
                Ok((
                    store(conn),
                    Some(StoreError::Corrupt {
                        kept: kept.display().to_string(),
                        salvage: found.salvage,
                    }),
                ))
            }
        }
    }

    /// Another connection to the same file, for a second thread (the sync
    /// task): WAL lets it write while the GUI's connection reads.
    pub fn second_connection(&self) -> Result<Store, StoreError> {
        let conn = Connection::open(&self.path)?;
        configure(&conn)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            path: self.path.clone(),
            open_mark: self.open_mark.clone(),
            gathering: Default::default(),
            checkpointer: Default::default(),
        })
    }

    /// The file behind this cache.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bulk load's keys (see [`bulk::Gathering`]); a panic while they
    /// were held left them unusable, so they go.
    fn lock_checkpointer(&self) -> std::sync::MutexGuard<'_, Option<bulk::Checkpointer>> {
        self.checkpointer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_gathering(&self) -> std::sync::MutexGuard<'_, Option<bulk::Gathering>> {
        self.gathering.lock().unwrap_or_else(|p| {
            self.gathering.clear_poison();
            let mut g = p.into_inner();
            *g = None;
            g
        })
    }

    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        debug_assert!(
            !GUI_THREAD.with(std::cell::Cell::get),
            "a cache call on the GUI thread: go through Store::run"
        );
        // Every write runs in a transaction that a panic rolls back, so
        // the connection is sound after one: carry on rather than lose
        // the cache for the rest of the session.
        let mut guard = self.conn.lock().unwrap_or_else(|p| {
            tracing::error!("a cache task panicked earlier; carrying on");
            p.into_inner()
        });
        f(&mut guard)
    }

    /// Runs `f` on a blocking thread; for use from async UI tasks.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(&me))
            .await
            .map_err(|e| StoreError::Db(e.to_string()))?
    }

    /// Replaces the cached network with the server's list at `revision`.
    pub fn replace_outlets<'a>(
        &self,
        revision: i64,
        outlets: impl IntoIterator<Item = &'a Outlet>,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM outlets", [])?;
            {
                let mut ins = tx.prepare(
                    "INSERT INTO outlets(code, parent_code, name, body) VALUES (?1,?2,?3,?4)",
                )?;
                for o in outlets {
                    let body =
                        serde_json::to_string(o).map_err(|e| StoreError::Db(e.to_string()))?;
                    ins.execute(params![o.code, o.parent_code, o.name, body])?;
                }
            }
            set_meta(&tx, "outlet_revision", &revision.to_string())?;
            scope::refresh_closure(&tx)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Writes one outlet the server just confirmed.
    pub fn put_outlet(&self, o: &Outlet) -> Result<(), StoreError> {
        self.with(|c| {
            let body = serde_json::to_string(o).map_err(|e| StoreError::Db(e.to_string()))?;
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO outlets(code, parent_code, name, body) VALUES (?1,?2,?3,?4)
                 ON CONFLICT(code) DO UPDATE SET parent_code=excluded.parent_code, name=excluded.name, body=excluded.body",
                params![o.code, o.parent_code, o.name, body],
            )?;
            scope::refresh_closure(&tx)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Drops one outlet the server deleted.
    pub fn remove_outlet(&self, code: &str) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM outlets WHERE code = ?1", [code])?;
            scope::refresh_closure(&tx)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The cached network. Rows that no longer parse are skipped and logged
    /// rather than failing the whole list.
    pub fn outlets(&self) -> Result<Vec<Outlet>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare("SELECT code, body FROM outlets ORDER BY code")?;
            let rows =
                st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (code, body) = row?;
                match serde_json::from_str(&body) {
                    Ok(o) => out.push(o),
                    Err(e) => tracing::warn!("cached outlet {code} unreadable: {e}"),
                }
            }
            Ok(out)
        })
    }

    /// The revision of the cached network (0 = never fetched).
    pub fn outlet_revision(&self) -> Result<i64, StoreError> {
        self.with(|c| {
            Ok(get_meta(c, "outlet_revision")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0))
        })
    }

    /// Stores staff rows the server returned.
    pub fn put_staff(&self, rows: &[Staff]) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut st = tx.prepare(
                    "INSERT INTO staff(login, outlet_code, name, body) VALUES (?1,?2,?3,?4)
                     ON CONFLICT(login) DO UPDATE SET outlet_code=excluded.outlet_code, name=excluded.name, body=excluded.body",
                )?;
                for s in rows {
                    let body = serde_json::to_string(s).map_err(|e| StoreError::Db(e.to_string()))?;
                    st.execute(params![s.login, s.outlet_code, s.name, body])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Cached staff matching the same filters as the server's query, for
    /// offline use.
    pub fn staff(
        &self,
        outlets: Option<&[String]>,
        name: &str,
        limit: i64,
    ) -> Result<Vec<Staff>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare(
                "SELECT body FROM staff WHERE (?1 = '' OR instr(name, ?1) > 0) ORDER BY outlet_code, login",
            )?;
            let rows = st.query_map([name], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for body in rows {
                let Ok(s) = serde_json::from_str::<Staff>(&body?) else {
                    continue;
                };
                if outlets.is_none_or(|codes| codes.contains(&s.outlet_code)) {
                    out.push(s);
                }
                if out.len() as i64 >= limit {
                    break;
                }
            }
            Ok(out)
        })
    }

    /// Remembers who last logged in here, for offline viewing.
    pub fn set_last_user(&self, user: &SessionUser) -> Result<(), StoreError> {
        self.with(|c| {
            let v = serde_json::to_string(user).map_err(|e| StoreError::Db(e.to_string()))?;
            set_meta(c, "last_user", &v)
        })
    }

    /// The server's time and this PC's clocks at the last pull, from
    /// which server time is reckoned offline (see [`ClockAnchor`]).
    pub fn clock_anchor(&self) -> Result<Option<ClockAnchor>, StoreError> {
        self.with(|c| Ok(get_meta(c, "clock_anchor")?.and_then(|v| serde_json::from_str(&v).ok())))
    }

    /// Keeps the clock anchor of a pull.
    pub fn set_clock_anchor(&self, a: &ClockAnchor) -> Result<(), StoreError> {
        let v = serde_json::to_string(a).map_err(|e| StoreError::Db(e.to_string()))?;
        self.with(|c| set_meta(c, "clock_anchor", &v))
    }

    /// Who last logged in here, if anyone.
    pub fn last_user(&self) -> Result<Option<SessionUser>, StoreError> {
        self.with(|c| Ok(get_meta(c, "last_user")?.and_then(|v| serde_json::from_str(&v).ok())))
    }
}

pub(crate) fn set_meta(c: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

pub(crate) fn get_meta(c: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(
        c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_one_task_does_not_lose_the_cache() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, _) = Store::open(&dir.path().join("cache.db")).expect("open");
        store.set_meta_for_test("k", "before");
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = store.with(|c| -> Result<(), StoreError> {
                let tx = c.transaction()?;
                set_meta(&tx, "k", "half-done")?;
                panic!("a bug in the middle of a write");
            });
        }));
        assert!(panicked.is_err());
        // The half-done write was rolled back and the cache still works.
        assert_eq!(store.meta_for_test("k").as_deref(), Some("before"));
        store.set_meta_for_test("k", "after");
        assert_eq!(store.meta_for_test("k").as_deref(), Some("after"));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "a cache call on the GUI thread")]
    fn a_cache_call_on_the_gui_thread_is_caught() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, _) = Store::open(&dir.path().join("cache.db")).expect("open");
        mark_gui_thread();
        let _ = store.outlets();
    }

    #[test]
    fn the_gui_thread_reaches_the_cache_through_run() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, _) = Store::open(&dir.path().join("cache.db")).expect("open");
        mark_gui_thread();
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let outlets = rt.block_on(store.run(|s| s.outlets())).expect("read");
        assert!(outlets.is_empty());
    }

    /// Fills enough outlets to spread the table over several pages, so a
    /// damaged page in the middle leaves the header and schema readable.
    fn many_outlets(store: &Store) {
        let outlets: Vec<crate::domain::Outlet> = (0..400)
            .map(|i| crate::domain::Outlet {
                code: format!("O{i:04}"),
                name: format!("营业部 {i} {}", "长名称".repeat(20)),
                ..crate::domain::Outlet::blank(crate::domain::OutletKind::Outlet, Some("HQ"))
            })
            .collect();
        store.replace_outlets(1, &outlets).expect("outlets");
        store
            .with(|c| Ok(c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?))
            .expect("checkpoint");
    }

    fn damage_a_middle_page(path: &Path) {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .expect("file");
        let len = f.metadata().expect("meta").len();
        assert!(len > 8 * 4096, "the cache spans many pages ({len} bytes)");
        f.seek(SeekFrom::Start(len / 2 / 4096 * 4096))
            .expect("seek");
        f.write_all(&[0x5a; 4096]).expect("write");
    }

    #[test]
    fn a_clean_close_skips_the_full_check_and_a_crash_does_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cache.db");
        let mark = OpenMark::path_for(&path);
        let (store, _) = Store::open(&path).expect("open");
        many_outlets(&store);
        assert!(mark.exists(), "marked open while in use");
        let second = store.second_connection().expect("second");
        drop(store);
        assert!(mark.exists(), "the sync task's connection still holds it");
        drop(second);
        assert!(!mark.exists(), "a clean close removes the mark");

        // A crash leaves the mark behind (a dead process holds no file, so
        // the handle is closed here and the mark put back, which also works
        // where an open file cannot be renamed: Windows), and a page was
        // damaged meanwhile (a power cut mid-write).
        let (store, problem) = Store::open(&path).expect("reopen");
        assert!(problem.is_none());
        drop(store);
        std::fs::write(&mark, b"").expect("the mark a crash leaves");
        damage_a_middle_page(&path);
        let (_store, problem) = Store::open(&path).expect("open after crash");
        assert!(
            matches!(problem, Some(StoreError::Corrupt { .. })),
            "the check after an unclean close finds the damage: {problem:?}"
        );
    }

    impl Store {
        fn set_meta_for_test(&self, k: &str, v: &str) {
            self.with(|c| set_meta(c, k, v)).expect("set");
        }
        fn meta_for_test(&self, k: &str) -> Option<String> {
            self.with(|c| get_meta(c, k)).expect("get")
        }
    }
}
