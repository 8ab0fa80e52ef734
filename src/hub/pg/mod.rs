//! order-hub on PostgreSQL (issue 15): the schema, the change number and
//! the connection settings. The hub itself still runs on SQLite
//! ([`super::db`]); `order-hub migrate` ([`super::migrate`]) already copies
//! a hub's data into PostgreSQL and back.

pub mod changes;
pub mod schema;

use std::time::Duration;

/// Set on every connection: a session stuck holding locks (a hub frozen
/// mid-transaction, a forgotten `psql`) fails the writers queued behind
/// it after `lock_timeout` and is ended after
/// `idle_in_transaction_session_timeout`, instead of freezing every
/// writer of every hub.
pub const SESSION_SETTINGS: &str =
    "-c lock_timeout=5s -c idle_in_transaction_session_timeout=30s -c statement_timeout=0";

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
