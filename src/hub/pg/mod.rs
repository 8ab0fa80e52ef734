//! order-hub on PostgreSQL (issue 15): the schema, the change number and
//! the connection settings. The hub itself still runs on SQLite
//! ([`super::db`]); `order-hub migrate` ([`super::migrate`]) already copies
//! a hub's data into PostgreSQL and back.
//!
//! # The storage interface (design; being built in [`super::storage`],
//! which says which operations are behind it so far)
//!
//! Today every route hands a closure over a rusqlite `Connection` to
//! `HubState::db` (the one writer) or `HubState::read` (a reader in one
//! snapshot), on a blocking thread. SQL differs per engine, so the seam
//! is one level up: **one method per hub operation, one transaction per
//! method**, on a `Storage` enum (`Sqlite(..)`, `Postgres(..)`) with
//! `async fn`s: enum dispatch needs no boxed futures or async-trait crate,
//! and nothing above it names an engine. The SQLite arm runs today's
//! functions in `spawn_blocking` under the existing database slot; the
//! PostgreSQL arm awaits a [`pool`] connection.
//!
//! The operations, by what they touch:
//! - auth: password hash of a login, insert / look up / end a session
//!   (looked up on every request), end every session of a login;
//! - network: outlets (all, `since` revision, one, insert / update /
//!   delete with the closure refresh and the revision bump, what blocks a
//!   delete), staff (query, one, insert / update, other active admins);
//! - parameters: all, set (bumps `params_revision`);
//! - orders: one, events, an action (idempotency key, event, write, scope
//!   index, report counters), a group of inbound orders (the intake's
//!   group commit), a feed page under an ancestor or the whole network, a
//!   list page with its count, dispatch memory;
//! - 开单: rate lines and their history, products, a waybill with its
//!   order; reports: the counters and the drill-down; print templates.
//!
//! Transactions on PostgreSQL: writes at READ COMMITTED (the change
//! number needs it, see [`changes`]) with [`changes::STAMP`] as their last
//! statement, naming every order the transaction wrote (an inbound group:
//! all of them at once); reads that take several statements (a feed page
//! and its cursor, a list and its count) in one REPEATABLE READ READ ONLY
//! transaction, as SQLite's readers do. Several hubs share everything
//! through the database: an Idempotency-Key is claimed with
//! `INSERT … ON CONFLICT DO NOTHING` before the work (a second hub waits on
//! the uncommitted key, then replays the stored answer); the outlet and
//! parameter revisions are counter rows in `meta` bumped inside the
//! writing transaction; the cached outlet tree is already checked against
//! the revision on every use. A write ends with `NOTIFY` naming the
//! ancestors it logged (delivered only on commit), and each hub LISTENs
//! on one dedicated connection and feeds `wake::Wakes`, so a change made
//! through one hub wakes long polls waiting on the others.
//!
//! The shared logic stays shared: the scope index's bookkeeping
//! (`scope_index::Indexer`) and the report counters (`report::record`)
//! become planners that return the rows to add and remove and the count
//! deltas from the order before and after, which each engine then writes;
//! the rules stay in `domain`.

pub mod changes;
pub mod notify;
pub mod schema;
pub mod scope_tree;

use std::time::Duration;

/// Set on every connection: a session stuck holding locks (a hub frozen
/// mid-transaction, a forgotten `psql`) fails the writers queued behind
/// it after `lock_timeout` and is ended after
/// `idle_in_transaction_session_timeout`, instead of freezing every
/// writer of every hub.
pub const SESSION_SETTINGS: &str = "-c lock_timeout=5s -c idle_in_transaction_session_timeout=30s";

/// A `postgres://` URL as a connection config with [`SESSION_SETTINGS`].
pub fn config(url: &str) -> Result<tokio_postgres::Config, String> {
    let mut cfg: tokio_postgres::Config =
        url.parse().map_err(|e| format!("{}: {e}", redact(url)))?;
    let options = match cfg.get_options() {
        Some(own) => format!("{SESSION_SETTINGS} {own}"),
        None => SESSION_SETTINGS.to_owned(),
    };
    cfg.options(&options);
    cfg.application_name("order-hub");
    cfg.connect_timeout(Duration::from_secs(10));
    Ok(cfg)
}

/// A connection pool (the hub's, once it runs on PostgreSQL).
pub fn pool(url: &str, size: usize) -> Result<deadpool_postgres::Pool, String> {
    let manager = deadpool_postgres::Manager::from_config(
        config(url)?,
        tokio_postgres::NoTls,
        deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        },
    );
    deadpool_postgres::Pool::builder(manager)
        .max_size(size)
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| e.to_string())
}

/// One connection, its driver spawned on the current runtime.
pub async fn connect(url: &str) -> Result<tokio_postgres::Client, String> {
    let (client, conn) = config(url)?
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("{}: {e}", redact(url)))?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::warn!("PostgreSQL connection ended: {e}");
        }
    });
    Ok(client)
}

/// `url` with its password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}
