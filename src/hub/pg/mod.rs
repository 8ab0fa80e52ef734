//! order-hub on PostgreSQL (issue 15): the schema, the change number, the
//! connection settings, the first start ([`first_start`]) and the wakes
//! between hubs ([`notify`], [`listen`]). A hub runs on it with
//! `--database` (routes not yet behind [`super::storage`] answer 500
//! there); `order-hub migrate` ([`super::migrate`]) copies a hub's data
//! into PostgreSQL and back.
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
pub mod first_start;
pub mod listen;
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
    let mut cfg: tokio_postgres::Config = url
        .parse()
        .map_err(|e| format!("{}: {}", redact(url), describe(&e)))?;
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
pub fn pool(url: &str, size: usize, wait: Duration) -> Result<deadpool_postgres::Pool, String> {
    let manager = deadpool_postgres::Manager::from_config(
        config(url)?,
        tokio_postgres::NoTls,
        deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        },
    );
    deadpool_postgres::Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(wait))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| e.to_string())
}

/// One connection, its driver spawned on the current runtime.
pub async fn connect(url: &str) -> Result<tokio_postgres::Client, String> {
    let (client, conn) = config(url)?
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("{}: {}", redact(url), describe(&e)))?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::warn!("PostgreSQL connection ended: {e}");
        }
    });
    Ok(client)
}

/// `e` with its causes ("error connecting to server: Connection
/// refused", the server's own message for a `db error`): tokio-postgres's
/// own text names only the kind.
pub fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_owned();
    }
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        out = format!("{out}: {c}");
        cause = c.source();
    }
    out
}

/// `url` with its password replaced, for messages and logs: the one in
/// the user part and any `password=` parameter.
pub fn redact(url: &str) -> String {
    let url = redact_parameter(url);
    let Some((scheme, rest)) = url.split_once("://") else {
        return url;
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.clone(),
    }
}

fn redact_parameter(url: &str) -> String {
    let Some(at) = url.find("password=") else {
        return url.to_owned();
    };
    let value = at + "password=".len();
    let end = url[value..].find('&').map_or(url.len(), |e| value + e);
    format!("{}***{}", &url[..value], &url[end..])
}

/// Checks a `--database` / `DATABASE_URL` value before anything connects.
pub fn check_url(url: &str) -> Result<(), String> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(format!(
            "{}: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE (without --database the hub runs on SQLite in --data-dir)",
            redact(url)
        ));
    }
    config(url).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_shows_in_a_message() {
        assert_eq!(
            redact("postgres://hub:s3cret@db.example:5432/orders"),
            "postgres://hub:***@db.example:5432/orders"
        );
        assert_eq!(
            redact("postgres://hub@db/orders?password=s3cret&sslmode=disable"),
            "postgres://hub@db/orders?password=***&sslmode=disable"
        );
        assert_eq!(redact("postgres://db/orders"), "postgres://db/orders");
        for bad in [
            "mysql://hub:s3cret@db/orders",
            "postgres://hub:s3cret@db:notaport/x",
        ] {
            let e = check_url(bad).expect_err(bad);
            assert!(!e.contains("s3cret"), "{e}");
        }
        assert!(check_url("postgres://hub:s3cret@db:5432/orders").is_ok());
    }
}
