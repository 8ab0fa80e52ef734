//! A hub's start on PostgreSQL (issue 15): the schema brought up to date
//! and, on an empty database, the first start — HQ, `admin`, the upstream
//! token and, with the demo, the demo network, staff, rate card and
//! orders.
//!
//! The first start is SQLite's own ([`crate::hub::demo::first_start`]),
//! run on a `hub.db` in a temporary directory and copied into PostgreSQL
//! by `order-hub migrate`'s code, which checks every table's count and
//! checksum: one first start for both engines, so the demo cannot drift
//! between them. Hubs starting together on one empty database take turns
//! (an advisory lock); the first one fills it, the others find it filled.

use std::path::PathBuf;
use std::sync::Arc;

use super::schema;
use crate::hub::migrate::{self, Endpoint};
use crate::hub::password_workers::PasswordWorkers;
use crate::hub::{FirstStart, HubConfig, auth, db, demo};

/// Any lock key of our own, other than the schema migration's.
const FIRST_START_LOCK: i64 = 0x6f72_6465_7266_7374; // "orderfst"

/// Prepares the database at `url` for a hub started with `config`.
pub async fn prepare(
    url: &str,
    config: &HubConfig,
    passwords: Arc<PasswordWorkers>,
) -> Result<FirstStart, String> {
    let mut c = super::connect(url)
        .await
        .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
    let sql = |e: tokio_postgres::Error| sql_error(url, &e);
    // Another hub's first start may take longer than `lock_timeout`
    // (password hashes, the demo's orders): wait for it to end.
    c.batch_execute("SET lock_timeout = 0").await.map_err(sql)?;
    c.execute("SELECT pg_advisory_lock($1)", &[&FIRST_START_LOCK])
        .await
        .map_err(sql)?;
    let out = prepare_locked(&mut c, url, config, passwords).await;
    // Ending the session would release it too; said here for the reader.
    let _ = c
        .execute("SELECT pg_advisory_unlock($1)", &[&FIRST_START_LOCK])
        .await;
    out
}

async fn prepare_locked(
    c: &mut tokio_postgres::Client,
    url: &str,
    config: &HubConfig,
    passwords: Arc<PasswordWorkers>,
) -> Result<FirstStart, String> {
    let sql = |e: tokio_postgres::Error| sql_error(url, &e);
    schema::migrate(c).await?;
    let initialized = c
        .query_opt("SELECT 1 FROM meta WHERE key = 'initialized'", &[])
        .await
        .map_err(sql)?
        .is_some();
    if initialized {
        if let Some(t) = config.upstream_token.as_ref().filter(|t| !t.is_empty()) {
            // An operator may rotate the upstream token through the
            // environment, as on SQLite.
            c.execute(
                "INSERT INTO meta(key, value) VALUES ('upstream_token_sha256', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&auth::digest(t)],
            )
            .await
            .map_err(sql)?;
        }
        return Ok(FirstStart::default());
    }
    tracing::info!(
        "first start on PostgreSQL at {}: creating HQ and admin{}",
        super::redact(url),
        if config.demo { " and the demo" } else { "" }
    );
    let config = config.clone();
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || first_start(&url, &config, &passwords))
        .await
        .map_err(|e| e.to_string())?
}

/// `e` with the server's own message (a bare `db error` says nothing).
fn sql_error(url: &str, e: &tokio_postgres::Error) -> String {
    format!(
        "PostgreSQL at {}: {}",
        super::redact(url),
        super::describe(e)
    )
}

/// SQLite's first start in a temporary directory, copied into `url`.
fn first_start(
    url: &str,
    config: &HubConfig,
    passwords: &PasswordWorkers,
) -> Result<FirstStart, String> {
    let dir = TempDir::new()?;
    let path = dir.0.join("hub.db");
    let first = {
        let mut conn = db::open(&path)?;
        demo::first_start(&mut conn, config, passwords)?
    };
    migrate::run(&migrate::Options {
        from: Endpoint::Sqlite(path),
        to: Endpoint::Postgres(url.to_owned()),
        with_sessions: false,
    })?;
    Ok(first)
}

/// A private directory removed when dropped (it holds password hashes
/// for a moment).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir, String> {
        let dir =
            std::env::temp_dir().join(format!("order-hub-first-start-{}", uuid::Uuid::new_v4()));
        crate::private_files::private_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
