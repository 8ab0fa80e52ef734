//! The outbox: what the clerk did and the server has not answered yet.
//! Each action is saved here durably before it is sent and keeps its
//! idempotency key across retries; a full resync of the cached orders
//! never touches it.

use chrono::Utc;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::orders::{json_err, upsert};
use super::{Store, StoreError, get_meta};
use crate::domain::{Action, Order};

/// Where the clerk's latest action on an order stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxState {
    /// No action of this clerk on it.
    None,
    /// Saved here, waiting to be sent (or for the server to come back).
    Queued,
    /// On its way to the server.
    Sending,
    /// The server applied it.
    Synced,
    /// The server refused it, with its reason (e.g. who accepted first).
    Rejected(String),
}

/// One outbox entry to send.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: i64,
    /// The `Idempotency-Key`: the same on every retry.
    pub key: String,
    pub order_no: String,
    pub action: Action,
    pub attempts: i64,
}

impl Store {
    /// Saves a clerk's action in the outbox, durably, before anything is
    /// sent; returns its idempotency key. The action belongs to the cache's
    /// owner (see [`Store::claim`]).
    pub fn enqueue(&self, order_no: &str, action: &Action) -> Result<String, StoreError> {
        let key = uuid::Uuid::new_v4().to_string();
        let body = serde_json::to_string(action).map_err(json_err)?;
        let now = Utc::now().to_rfc3339();
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let owner = get_meta(&tx, "owner")?.unwrap_or_default();
            tx.execute(
                "INSERT INTO outbox(key, login, order_no, body, state, created_at, updated_at) VALUES (?1,?2,?3,?4,'queued',?5,?5)",
                params![key, owner, order_no, body, now],
            )?;
            tx.commit()?;
            Ok(())
        })?;
        Ok(key)
    }

    /// The next action to send: the oldest queued or interrupted one whose
    /// order has no refused action before it (those wait for the clerk).
    /// It is marked `sending` first, so a crash mid-request resends it with
    /// the same key.
    pub fn next_outbox(&self) -> Result<Option<OutboxItem>, StoreError> {
        self.with(|c| {
            loop {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let row: Option<(i64, String, String, String, i64)> = tx
                    .query_row(
                        "SELECT o.id, o.key, o.order_no, o.body, o.attempts FROM outbox o
                         WHERE o.state IN ('queued','sending')
                           AND o.login = coalesce((SELECT value FROM meta WHERE key = 'owner'), '')
                           AND NOT EXISTS (SELECT 1 FROM outbox r WHERE r.order_no = o.order_no
                                           AND r.id < o.id AND r.state = 'rejected')
                         ORDER BY o.id LIMIT 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                    )
                    .optional()?;
                let Some((id, key, order_no, body, attempts)) = row else {
                    return Ok(None);
                };
                let action: Action = match serde_json::from_str(&body) {
                    Ok(a) => a,
                    Err(e) => {
                        // A damaged entry can never be sent; refusing it
                        // (shown on its order like any refusal) keeps it
                        // from blocking every action queued after it.
                        tracing::error!("outbox entry {id} unreadable: {e}");
                        let why =
                            crate::i18n::t(crate::i18n::Lang::default(), "outbox.unreadable");
                        tx.execute(
                            "UPDATE outbox SET state='rejected', error=?2, updated_at=?3 WHERE id=?1",
                            params![id, why, Utc::now().to_rfc3339()],
                        )?;
                        tx.commit()?;
                        continue;
                    }
                };
                tx.execute(
                    "UPDATE outbox SET state='sending', attempts=attempts+1, updated_at=?2 WHERE id=?1",
                    params![id, Utc::now().to_rfc3339()],
                )?;
                tx.commit()?;
                return Ok(Some(OutboxItem {
                    id,
                    key,
                    order_no,
                    action,
                    attempts: attempts + 1,
                }));
            }
        })
    }

    /// The server applied item `id`: store its answer with it, atomically.
    pub fn outbox_applied(&self, id: i64, order: &Order) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE outbox SET state='applied', error=NULL, updated_at=?2 WHERE id=?1",
                params![id, Utc::now().to_rfc3339()],
            )?;
            upsert(&tx, order)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The server refused item `id` for good; keep why, and the order as
    /// the server has it now.
    pub fn outbox_rejected(
        &self,
        id: i64,
        why: &str,
        current: Option<&Order>,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE outbox SET state='rejected', error=?2, updated_at=?3 WHERE id=?1",
                params![id, why, Utc::now().to_rfc3339()],
            )?;
            if let Some(o) = current {
                upsert(&tx, o)?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Puts item `id` back in the queue after a failed try (same key).
    pub fn outbox_retry(&self, id: i64, why: &str) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE outbox SET state='queued', error=?2, updated_at=?3 WHERE id=?1",
                params![id, why, Utc::now().to_rfc3339()],
            )?;
            Ok(())
        })
    }

    /// The clerk has read a refusal: close it, and drop the actions that
    /// were queued after it on the same order (they assumed a state that
    /// never came).
    pub fn dismiss_rejection(&self, order_no: &str) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let first: Option<i64> = tx
                .query_row(
                    "SELECT min(id) FROM outbox WHERE order_no = ?1 AND state = 'rejected'",
                    [order_no],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            if let Some(id) = first {
                let now = Utc::now().to_rfc3339();
                tx.execute(
                    "UPDATE outbox SET state='dismissed', updated_at=?3 WHERE order_no=?1 AND id=?2",
                    params![order_no, id, now],
                )?;
                tx.execute(
                    "UPDATE outbox SET state='discarded', updated_at=?3 WHERE order_no=?1 AND id>?2 AND state IN ('queued','sending')",
                    params![order_no, id, now],
                )?;
            }
            // Read, so an order that has left the user's view goes now.
            let gone = tx.execute(
                "DELETE FROM left_view WHERE order_no = ?1
                   AND NOT EXISTS (SELECT 1 FROM outbox WHERE order_no = ?1 AND state = 'rejected')",
                [order_no],
            )?;
            if gone > 0 {
                let mut ix = super::scope::indexer(&tx);
                super::orders::delete(&tx, &mut ix, order_no)?;
                ix.finish()?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Actions not yet answered by the server.
    pub fn pending_count(&self) -> Result<i64, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM outbox WHERE state IN ('queued','sending')
                   AND login = coalesce((SELECT value FROM meta WHERE key = 'owner'), '')",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// Every outbox entry's state, oldest first (for tests and support).
    pub fn outbox_states(&self) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare("SELECT order_no, state, error FROM outbox ORDER BY id")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}
