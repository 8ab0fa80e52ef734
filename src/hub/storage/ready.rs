//! Readiness (`/readyz`): whether this hub's database takes a write and
//! has room for more, on either engine.

use axum::http::StatusCode;
use chrono::Utc;

use super::Storage;
use crate::hub::error::ApiError;
use crate::hub::{HubState, db};

impl HubState {
    /// `Ok` while the database takes a write and has room for more; the
    /// error says why not (`storage_full` when it is full).
    pub async fn ready_probe(&self) -> Result<(), ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(|c| {
                    let tx =
                        c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    db::meta_set(&tx, "ready_probe", &Utc::now().to_rfc3339())?;
                    tx.commit()?;
                    if db::nearly_full(c)? {
                        let mut e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_full");
                        e.retry_after = Some(60);
                        return Err(e);
                    }
                    Ok(())
                })
                .await
            }
            Storage::Postgres(p) => p.ready_probe().await,
        }
    }
}
