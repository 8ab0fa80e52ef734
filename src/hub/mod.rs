//! order-hub: the company's order API (axum + its own SQLite database).
//!
//! Used three ways: standalone (`order-hub` binary), in-process inside the
//! client when no server is configured, and on `127.0.0.1:0` in tests.

pub mod auth;
pub mod db;
pub mod demo;
pub mod demo_rates;
pub mod error;
pub mod generate;
pub mod guard;
pub mod http;
pub mod intake;
pub mod migrate;
pub mod orders;
pub mod password_workers;
pub mod pg;
pub mod pricing_store;
pub mod print_templates;
pub mod rate_sheet;
pub mod report;
pub mod routes;
pub mod scope;
pub mod serve;
pub mod shield;
pub mod storage;
pub mod wake;

use std::net::SocketAddr;
use std::path::Path;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::Connection;
use tokio::net::TcpListener;

use error::ApiError;
use storage::Storage;
use storage::sqlite::{Sqlite, lock};

/// How to run a hub.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Where `hub.db` lives.
    pub data_dir: PathBuf,
    /// Seed the demo network and staff on an empty database.
    pub demo: bool,
    /// Demo inbound orders per minute (0 = none).
    pub demo_rate: u32,
    /// Password for `admin` on first start; generated when `None`.
    pub admin_password: Option<String>,
    /// Token for upstream (Alibaba side) calls; generated when `None`.
    pub upstream_token: Option<String>,
    /// Password of every demo account; generated when `None`.
    pub demo_password: Option<String>,
    /// On an existing database, set `admin`'s and every demo account's
    /// password to `demo_password` (the embedded demo's password changed).
    pub demo_reset_passwords: bool,
    /// How long a session token lives.
    pub token_ttl: Duration,
    /// Abuse and overload limits (RELIABILITY G5).
    pub limits: guard::Limits,
    /// Connection limits and TLS.
    pub net: serve::NetLimits,
    /// A `postgres://` URL: run on PostgreSQL instead of `hub.db`
    /// (issue 15; `order-hub --database` or `DATABASE_URL`).
    pub postgres: Option<String>,
}

impl HubConfig {
    /// A config with the defaults of API.md "Running it".
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> Self {
        HubConfig {
            listen,
            data_dir,
            demo: false,
            demo_rate: 6,
            admin_password: None,
            upstream_token: None,
            demo_password: None,
            demo_reset_passwords: false,
            token_ttl: Duration::from_secs(12 * 3600),
            limits: guard::Limits::default(),
            net: serve::NetLimits::default(),
            postgres: None,
        }
    }
}

/// Shared state of a running hub.
pub struct HubState {
    /// The database, behind one method per operation ([`storage`]).
    pub storage: Storage,
    /// Session lifetime.
    pub token_ttl: Duration,
    /// The network, rebuilt only when its revision moves.
    tree: Mutex<Option<(i64, Arc<crate::domain::OutletTree>)>>,
    /// Password work, login backoff, write rates, database task cap.
    pub guard: guard::Guard,
    /// Long polls (`wait=`) wait on these, as a task each, not a thread;
    /// a write wakes those whose view it touched.
    pub wakes: wake::Wakes,
    /// Inbound orders waiting for the next group commit.
    pub intake: intake::Queue,
    /// The upstream token's digest, read once: only the start (`demo::seed`,
    /// before this state exists) writes it, so every later inbound request
    /// is checked without a database round trip.
    pub upstream_digest: tokio::sync::OnceCell<Option<String>>,
}

impl HubState {
    /// Opens (creating and migrating) `path`, runs `seed` on the writer
    /// (first start), then opens the readers.
    pub fn open<T>(
        path: &Path,
        token_ttl: Duration,
        seed: impl FnOnce(&mut Connection) -> Result<T, String>,
    ) -> Result<(HubState, T), String> {
        let mut writer = db::open(path)?;
        let seeded = seed(&mut writer)?;
        let storage = Storage::Sqlite(Sqlite::open(path, writer)?);
        Ok((HubState::on(storage, token_ttl), seeded))
    }

    /// A hub's state on `storage`, with default limits.
    pub fn on(storage: Storage, token_ttl: Duration) -> HubState {
        HubState {
            storage,
            token_ttl,
            tree: Mutex::new(None),
            guard: guard::Guard::new(guard::Limits::default()),
            wakes: wake::Wakes::default(),
            intake: intake::Queue::default(),
            upstream_digest: tokio::sync::OnceCell::new(),
        }
    }

    /// The SQLite connections; routes not yet behind [`storage`]'s
    /// interface fail on PostgreSQL.
    fn sqlite(&self) -> Result<&Sqlite, ApiError> {
        match &self.storage {
            Storage::Sqlite(s) => Ok(s),
            Storage::Postgres(_) => Err(ApiError::internal(
                "this operation does not run on PostgreSQL yet (issue 15)",
            )),
        }
    }

    /// The current network; cheap unless an outlet changed.
    pub fn tree(&self, c: &Connection) -> Result<Arc<crate::domain::OutletTree>, ApiError> {
        let rev = db::outlet_revision(c)?;
        // A panic elsewhere leaves at worst a stale tree, which the
        // revision check below replaces.
        let mut cache = self.tree.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((r, t)) = cache.as_ref()
            && *r == rev
        {
            return Ok(t.clone());
        }
        let t = Arc::new(crate::domain::OutletTree::new(db::outlets(c)?));
        *cache = Some((rev, t.clone()));
        Ok(t)
    }

    /// Runs `f` on the database connection on a blocking thread.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let conn = self.sqlite()?.conn.clone();
        let slot = self.guard.db_slot().await?;
        let (out, touched) = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            wake::collect(|| f(&mut lock(&conn)))
        })
        .await
        .map_err(ApiError::internal)?;
        // Waiting feeds in the touched views look again (one whose view
        // the write did not really change goes back to waiting).
        self.wakes.wake(&touched);
        out
    }

    /// Runs a read-only `f` on one of the reader connections, beside the
    /// writer, in one transaction: it sees one snapshot, everything
    /// committed before it started. A write through it fails (`query_only`).
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let sqlite = self.sqlite()?;
        let readers = sqlite.readers.clone();
        let first = sqlite.next_reader.fetch_add(1, Ordering::Relaxed);
        let slot = self.guard.db_slot().await?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let n = readers.len();
            // All of `f`'s statements read one snapshot: the change feed
            // must not pair rows from before a commit with a cursor from
            // after it, or it would skip that commit's orders.
            let snapshot = |c: &Connection| {
                let tx = c.unchecked_transaction()?;
                let out = f(&tx);
                drop(tx); // a read-only transaction: rolling back just ends it
                out
            };
            // A free reader if there is one, else wait for ours.
            for i in 0..n {
                if let Ok(c) = readers[(first + i) % n].try_lock() {
                    return snapshot(&c);
                }
            }
            snapshot(&lock(&readers[first % n]))
        })
        .await
        .map_err(ApiError::internal)?
    }
}

/// What first start printed once: generated secrets.
#[derive(Debug, Clone, Default)]
pub struct FirstStart {
    /// Lines to print (admin password, upstream token, demo accounts).
    pub notices: Vec<String>,
}

/// A hub that is listening.
pub struct RunningHub {
    /// The bound address (with the real port when 0 was asked).
    pub addr: SocketAddr,
    /// What the first start generated.
    pub first_start: FirstStart,
    /// `http` or `https`.
    scheme: &'static str,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    /// On PostgreSQL: the LISTEN connection's task ([`pg::listen`]).
    listener: Option<tokio::task::JoinHandle<()>>,
}

impl RunningHub {
    /// `http://addr`, or `https://addr` when serving TLS.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Stops accepting and waits for the server task.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.task.await;
        if let Some(l) = self.listener.take() {
            l.abort();
        }
    }
}

/// Opens the database, seeds it on first start, binds and serves.
pub async fn start(config: HubConfig) -> Result<RunningHub, String> {
    let (state, first_start) = match &config.postgres {
        Some(url) => open_postgres(url, &config).await?,
        None => open_sqlite(&config).await?,
    };
    let state = Arc::new(state);
    // Writes through the other hubs on the database wake this one's polls.
    let wake_listener = match &config.postgres {
        Some(url) => Some(pg::listen::spawn(url, Arc::downgrade(&state)).await?),
        None => None,
    };
    if config.demo && config.demo_rate > 0 {
        demo::spawn_generator(state.clone(), config.demo_rate);
    }
    let (router, _api) = routes::router(state.clone());
    let tls = config
        .net
        .tls
        .as_ref()
        .map(serve::tls_acceptor)
        .transpose()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("{}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve::serve(listener, router, config.net.clone(), tls, rx));
    tracing::info!("order-hub listening on {scheme}://{addr}");
    Ok(RunningHub {
        addr,
        scheme,
        first_start,
        shutdown: Some(tx),
        task,
        listener: wake_listener,
    })
}

/// Connects to PostgreSQL at `url`, bringing its schema up to date and
/// running the first start on an empty database.
async fn open_postgres(url: &str, config: &HubConfig) -> Result<(HubState, FirstStart), String> {
    let guard = guard::Guard::new(config.limits.clone());
    let first_start = pg::first_start::prepare(url, config, guard.password_workers()).await?;
    let pg = storage::postgres::Postgres::open(url, &config.limits).await?;
    let mut state = HubState::on(Storage::Postgres(pg), config.token_ttl);
    state.guard = guard;
    Ok((state, first_start))
}

/// Opens (creating, migrating and on first start seeding) `hub.db` in
/// the data directory.
async fn open_sqlite(config: &HubConfig) -> Result<(HubState, FirstStart), String> {
    crate::private_files::private_dir(&config.data_dir)
        .map_err(|e| format!("{}: {e}", config.data_dir.display()))?;
    let path = config.data_dir.join("hub.db");
    for side in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{side}", path.display()));
        if side.is_empty() || p.exists() {
            crate::private_files::private_file(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    let cfg = config.clone();
    // First, so that the first start's password hashes run on its
    // password threads too.
    let guard = guard::Guard::new(config.limits.clone());
    let passwords = guard.password_workers();
    let (mut state, first_start) = tokio::task::spawn_blocking(move || {
        HubState::open(&path, cfg.token_ttl, |conn| {
            demo::first_start(conn, &cfg, &passwords)
        })
    })
    .await
    .map_err(|e| e.to_string())??;
    state.guard = guard;
    if let (Some(bytes), Storage::Sqlite(s)) = (config.limits.max_db_bytes, &state.storage) {
        db::set_max_bytes(&s.writer(), bytes).map_err(|e| e.to_string())?;
    }
    Ok((state, first_start))
}

/// A hub running on its own thread and runtime, for the client's embedded
/// mode: the GUI's executor never carries server work.
pub struct EmbeddedHub {
    /// `http://127.0.0.1:port`.
    pub url: String,
    /// Demo accounts to show on the login screen.
    pub first_start: FirstStart,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl EmbeddedHub {
    /// Starts a hub in a background thread and waits until it listens.
    pub fn spawn(config: HubConfig) -> Result<EmbeddedHub, String> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("order-hub".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                rt.block_on(async move {
                    match start(config).await {
                        Ok(hub) => {
                            let _ = ready_tx.send(Ok((hub.url(), hub.first_start.clone())));
                            let _ = stop_rx.await;
                            hub.stop().await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })
            .map_err(|e| e.to_string())?;
        let (url, first_start) = ready_rx
            .recv_timeout(Duration::from_secs(60))
            .map_err(|e| format!("embedded order-hub did not start: {e}"))??;
        Ok(EmbeddedHub {
            url,
            first_start,
            stop: Some(stop_tx),
        })
    }
}

impl Drop for EmbeddedHub {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_go_on_beside_an_open_write_and_see_only_committed_data() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hub.db");
        let (state, ()) = HubState::open(&path, Duration::from_secs(60), |_| Ok(())).expect("open");
        let state = Arc::new(state);
        let (read_done, wait_read) = std::sync::mpsc::channel::<()>();
        let (writing, is_writing) = tokio::sync::oneshot::channel::<()>();
        let w = state.clone();
        let writer = tokio::spawn(async move {
            w.db(move |c| {
                let tx = c.transaction()?;
                db::meta_set(&tx, "probe", "written")?;
                let _ = writing.send(());
                // Keep the write open until the read is done; a read queued
                // behind the writer would make this time out.
                let read_meanwhile = wait_read.recv_timeout(Duration::from_secs(10)).is_ok();
                tx.commit()?;
                Ok(read_meanwhile)
            })
            .await
        });
        is_writing.await.expect("writer started");
        let seen = state.read(|c| Ok(db::meta_get(c, "probe")?)).await;
        let _ = read_done.send(());
        assert_eq!(seen.expect("read"), None, "uncommitted data is not seen");
        assert!(
            writer.await.expect("join").expect("write"),
            "the read finished while the write was open"
        );
        let seen = state.read(|c| Ok(db::meta_get(c, "probe")?)).await;
        assert_eq!(seen.expect("read").as_deref(), Some("written"));
        let wrote = state.read(|c| Ok(db::meta_set(c, "x", "y")?)).await;
        assert!(wrote.is_err(), "a reader cannot write");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_read_sees_one_snapshot_even_if_a_write_commits_meanwhile() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (state, ()) =
            HubState::open(&dir.path().join("hub.db"), Duration::from_secs(60), |_| {
                Ok(())
            })
            .expect("open");
        let state = Arc::new(state);
        let (go, wait_go) = std::sync::mpsc::channel::<()>();
        let (committed, wait_commit) = std::sync::mpsc::channel::<()>();
        let w = state.clone();
        let writer = tokio::spawn(async move {
            let _ = tokio::task::spawn_blocking(move || wait_go.recv()).await;
            w.db(|c| Ok(db::meta_set(c, "probe", "written")?)).await?;
            let _ = committed.send(());
            Ok::<_, ApiError>(())
        });
        let (before, after) = state
            .read(move |c| {
                let before = db::meta_get(c, "probe")?;
                let _ = go.send(());
                let _ = wait_commit.recv_timeout(Duration::from_secs(10));
                Ok((before, db::meta_get(c, "probe")?))
            })
            .await
            .expect("read");
        writer.await.expect("join").expect("write");
        assert_eq!(
            (before, after),
            (None, None),
            "the commit is not seen mid-read"
        );
        let now = state.read(|c| Ok(db::meta_get(c, "probe")?)).await;
        assert_eq!(now.expect("read").as_deref(), Some("written"));
    }
}
