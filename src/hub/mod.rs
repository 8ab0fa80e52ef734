//! order-hub: the company's order API (axum + its own SQLite database).
//!
//! Used three ways: standalone (`order-hub` binary), in-process inside the
//! client when no server is configured, and on `127.0.0.1:0` in tests.

pub mod auth;
pub mod db;
pub mod demo;
pub mod error;
pub mod http;
pub mod intake;
pub mod orders;
pub mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::PoisonError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use tokio::net::TcpListener;

use error::ApiError;

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
    /// How long a session token lives.
    pub token_ttl: Duration,
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
            token_ttl: Duration::from_secs(12 * 3600),
        }
    }
}

/// Shared state of a running hub.
pub struct HubState {
    conn: Arc<Mutex<Connection>>,
    /// Session lifetime.
    pub token_ttl: Duration,
    /// The network, rebuilt only when its revision moves.
    tree: Mutex<Option<(i64, Arc<crate::domain::OutletTree>)>>,
}

impl HubState {
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
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A request that panicked rolled its transaction back as it
            // unwound, so the connection is sound: one bug must not take
            // every later request down with it.
            let mut guard = conn.lock().unwrap_or_else(|p| {
                tracing::error!("a database task panicked earlier; carrying on");
                p.into_inner()
            });
            f(&mut guard)
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
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningHub {
    /// `http://addr`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting and waits for the server task.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.task.await;
    }
}

/// Opens the database, seeds it on first start, binds and serves.
pub async fn start(config: HubConfig) -> Result<RunningHub, String> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("{}: {e}", config.data_dir.display()))?;
    let path = config.data_dir.join("hub.db");
    let cfg = config.clone();
    let (conn, first_start) = tokio::task::spawn_blocking(move || -> Result<_, String> {
        let mut conn = db::open(&path)?;
        let first = demo::first_start(&mut conn, &cfg)?;
        Ok((conn, first))
    })
    .await
    .map_err(|e| e.to_string())??;

    let state = Arc::new(HubState {
        conn: Arc::new(Mutex::new(conn)),
        token_ttl: config.token_ttl,
        tree: Mutex::new(None),
    });
    if config.demo && config.demo_rate > 0 {
        demo::spawn_generator(state.clone(), config.demo_rate);
    }
    let (router, _api) = routes::router(state.clone());
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("{}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!("order-hub stopped: {e}");
        }
    });
    tracing::info!("order-hub listening on http://{addr}");
    Ok(RunningHub {
        addr,
        first_start,
        shutdown: Some(tx),
        task,
    })
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
