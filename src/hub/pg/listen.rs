//! The LISTEN side of [`super::notify`]: each hub on PostgreSQL holds one
//! dedicated connection LISTENing on [`CHANNEL`] and passes every
//! notification to its own [`Wakes`], so a write through any hub wakes the
//! long polls waiting on this one. If the connection drops, it reconnects
//! with backoff and then wakes everyone once: notifications sent while it
//! was away are lost, and a look too many only costs a read.

use std::sync::Weak;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, Notification};

use super::notify::{self, CHANNEL};
use crate::hub::HubState;
use crate::hub::wake::Touched;

/// The listener's `application_name`, to tell it from the pool's
/// connections in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "order-hub listener";

/// The first wait before reconnecting, doubled per failure up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// A connection that LISTENs, and the notifications it receives (the
/// receiver closes when the connection ends).
struct Listening {
    /// Kept: dropping the client ends the connection.
    _client: tokio_postgres::Client,
    notes: mpsc::UnboundedReceiver<Notification>,
}

async fn connect(url: &str) -> Result<Listening, String> {
    let mut cfg = super::config(url)?;
    cfg.application_name(APPLICATION_NAME);
    let (client, mut conn) = cfg
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("{}: {}", super::redact(url), super::describe(&e)))?;
    let (tx, notes) = mpsc::unbounded_channel();
    // The connection is driven here, and only here do notifications
    // arrive; its end closes `notes`.
    tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| conn.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    if tx.send(n).is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::warn!("PostgreSQL wake listener: {e}");
                    return;
                }
                None => return,
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(|e| format!("LISTEN {CHANNEL}: {}", super::describe(&e)))?;
    Ok(Listening {
        _client: client,
        notes,
    })
}

/// Starts listening for `hub` (returns once the first LISTEN is in place,
/// so nothing committed after the hub starts is missed) and keeps at it
/// until the hub is gone.
pub async fn spawn(url: &str, hub: Weak<HubState>) -> Result<tokio::task::JoinHandle<()>, String> {
    let first = connect(url).await?;
    Ok(tokio::spawn(run(url.to_owned(), hub, first)))
}

async fn run(url: String, hub: Weak<HubState>, mut listening: Listening) {
    loop {
        while let Some(n) = listening.notes.recv().await {
            let Some(hub) = hub.upgrade() else {
                return;
            };
            hub.wakes.wake(&notify::parse(n.payload()));
        }
        tracing::warn!("PostgreSQL wake listener lost its connection; reconnecting");
        let mut wait = FIRST_BACKOFF;
        listening = loop {
            if hub.strong_count() == 0 {
                return;
            }
            tokio::time::sleep(wait).await;
            match connect(&url).await {
                Ok(l) => break l,
                Err(e) => {
                    wait = (wait * 2).min(MAX_BACKOFF);
                    tracing::warn!("PostgreSQL wake listener: {e}; next try in {wait:?}");
                }
            }
        };
        tracing::info!("PostgreSQL wake listener is listening again");
        match hub.upgrade() {
            // What changed while it was away is unknown: everyone looks.
            Some(hub) => hub.wakes.wake(&Touched::everyone_touched()),
            None => return,
        }
    }
}
