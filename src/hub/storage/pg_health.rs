//! `/readyz` on PostgreSQL (issue 15).

use chrono::Utc;

use super::postgres::Postgres;
use crate::hub::error::ApiError;

impl Postgres {
    /// A pooled connection takes a write: a database that is read-only
    /// (a standby), full or gone answers an error, and the load balancer
    /// stops sending clients to this hub.
    pub async fn ready_probe(&self) -> Result<(), ApiError> {
        let c = self.conn().await?;
        c.execute(
            "INSERT INTO meta(key, value) VALUES ('ready_probe', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&Utc::now().to_rfc3339()],
        )
        .await?;
        Ok(())
    }
}
