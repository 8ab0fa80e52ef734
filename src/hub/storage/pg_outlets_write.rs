//! Outlet writes on PostgreSQL (issue 15): the row and the list revision
//! here, the tree-level upkeep in [`crate::hub::pg::scope_tree`], in one
//! transaction that tells every hub (NOTIFY `*`) when it commits.

use chrono::{DateTime, Utc};
use tokio_postgres::Transaction;
use tokio_postgres::types::ToSql;

use super::outlets_write::{deletable, outlet_moved};
use super::postgres::{OUTLET_COLS, Postgres, outlet_row, outlets};
use crate::domain::outlet::Attached;
use crate::domain::{Outlet, OutletTree};
use crate::hub::error::ApiError;
use crate::hub::pg::{notify, scope_tree};
use crate::hub::wake::Touched;

/// The first statements of every outlet write: the network lock
/// exclusively (order writes hold it shared from before they read the
/// tree until they commit, so none lists an order under a closure being
/// replaced), then the orders table (see [`scope_tree`]). Taken in this
/// order: an order write holding the shared lock may be waiting on an
/// order row, never on this.
async fn lock_network(tx: &Transaction<'_>) -> Result<(), ApiError> {
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&super::pg_orders_write::NETWORK_LOCK],
    )
    .await?;
    tx.batch_execute(scope_tree::LOCK_ORDERS).await?;
    Ok(())
}

/// Sends the notification that makes every hub's waiting feeds look
/// again; PostgreSQL delivers it when (and only if) the transaction
/// commits.
pub(super) async fn notify_everyone(tx: &Transaction<'_>) -> Result<(), ApiError> {
    let payload = notify::payload(&Touched::everyone_touched());
    tx.execute("SELECT pg_notify($1, $2)", &[&notify::CHANNEL, &payload])
        .await?;
    Ok(())
}

/// `$1`…`$15` of an outlet's insert and update: its columns in
/// [`OUTLET_COLS`]' order but `version`, then `updated_at`.
fn columns<'a>(
    o: &'a Outlet,
    kind: &'a &'static str,
    now: &'a DateTime<Utc>,
) -> [&'a (dyn ToSql + Sync); 15] {
    [
        &o.code,
        &o.name,
        kind,
        &o.parent_code,
        &o.province,
        &o.city,
        &o.district,
        &o.address,
        &o.phone,
        &o.urban,
        &o.latitude,
        &o.longitude,
        &o.accepts_ali_orders,
        &o.active,
        now,
    ]
}

/// One outlet, locked against other writers until this transaction ends.
async fn outlet_locked(tx: &Transaction<'_>, code: &str) -> Result<Option<Outlet>, ApiError> {
    let row = tx
        .query_opt(
            &format!("SELECT {OUTLET_COLS} FROM outlets WHERE code = $1 FOR UPDATE"),
            &[&code],
        )
        .await?;
    Ok(row.as_ref().map(outlet_row))
}

/// Moves the list revision on and marks `code` changed at it (or
/// removed), as SQLite's `bump_outlet_revision`.
async fn bump_revision(tx: &Transaction<'_>, code: &str, removed: bool) -> Result<(), ApiError> {
    let next: i64 = tx
        .query_one(
            "INSERT INTO meta(key, value) VALUES ('outlet_revision', '1')
             ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text
             RETURNING value::bigint",
            &[],
        )
        .await?
        .get(0);
    if removed {
        tx.execute(
            "INSERT INTO outlets_removed(code, revision) VALUES ($1, $2)
             ON CONFLICT (code) DO UPDATE SET revision = excluded.revision",
            &[&code, &next],
        )
        .await?;
    } else {
        tx.execute(
            "UPDATE outlets SET revision = $2 WHERE code = $1",
            &[&code, &next],
        )
        .await?;
        tx.execute("DELETE FROM outlets_removed WHERE code = $1", &[&code])
            .await?;
    }
    Ok(())
}

/// What blocks deleting `code` (SPEC 2.1).
async fn attached(tx: &Transaction<'_>, code: &str) -> Result<Attached, ApiError> {
    let list = async |sql: &str| -> Result<Vec<String>, ApiError> {
        Ok(tx
            .query(sql, &[&code])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    };
    let sub_outlets =
        list("SELECT code FROM outlets WHERE parent_code = $1 ORDER BY code COLLATE \"C\"").await?;
    let staff =
        list("SELECT login FROM staff WHERE outlet_code = $1 ORDER BY login COLLATE \"C\"").await?;
    let open: i64 = tx
        .query_one(
            "SELECT count(*) FROM orders WHERE status IN ('pending', 'accepted')
               AND (current_outlet_code = $1 OR accepting_outlet_code = $1)",
            &[&code],
        )
        .await?
        .get(0);
    Ok(Attached {
        sub_outlets,
        staff,
        open_orders: open as u64,
    })
}

impl Postgres {
    /// See [`crate::hub::HubState::outlet_create`].
    pub async fn outlet_create(&self, new: &Outlet) -> Result<Outlet, ApiError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        lock_network(&tx).await?;
        // Read after the lock: a code another hub just added is seen.
        OutletTree::new(outlets(&*tx).await?).check_create(new)?;
        let (kind, now) = (new.kind.as_str(), Utc::now());
        tx.execute(
            &format!(
                "INSERT INTO outlets ({OUTLET_COLS}, updated_at)
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,1,$15)"
            ),
            &columns(new, &kind, &now),
        )
        .await?;
        bump_revision(&tx, &new.code, false).await?;
        scope_tree::added(
            &tx,
            &new.code,
            new.parent_code.as_deref(),
            new.kind == crate::domain::OutletKind::Hq,
        )
        .await?;
        // Orders already at its code (the pool's "unknown outlet") come
        // into its new ancestors' views.
        scope_tree::views_changed(&tx, &new.code).await?;
        notify_everyone(&tx).await?;
        let saved = outlet_locked(&tx, &new.code)
            .await?
            .ok_or_else(ApiError::not_found)?;
        tx.commit().await?;
        Ok(saved)
    }

    /// See [`crate::hub::HubState::outlet_update`].
    pub async fn outlet_update(&self, new: &Outlet, expected: i64) -> Result<Outlet, ApiError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        lock_network(&tx).await?;
        let current = outlet_locked(&tx, &new.code)
            .await?
            .ok_or_else(ApiError::not_found)?;
        if current.version != expected {
            return Err(outlet_moved(&current));
        }
        OutletTree::new(outlets(&*tx).await?).check_update(new)?;
        let (kind, now) = (new.kind.as_str(), Utc::now());
        let moved = current.parent_code != new.parent_code;
        if moved {
            scope_tree::views_changed(&tx, &new.code).await?;
        }
        tx.execute(
            "UPDATE outlets SET name=$2, kind=$3, parent_code=$4, province=$5, city=$6, district=$7,
                 address=$8, phone=$9, urban=$10, latitude=$11, longitude=$12,
                 accepts_ali_orders=$13, active=$14, version=version+1, updated_at=$15
             WHERE code=$1",
            &columns(new, &kind, &now),
        )
        .await?;
        // The closure follows the parent and the kind (HQ) alone.
        if moved || current.kind != new.kind {
            scope_tree::refresh(&tx, &new.code).await?;
        }
        if moved {
            scope_tree::views_changed(&tx, &new.code).await?;
        }
        bump_revision(&tx, &new.code, false).await?;
        notify_everyone(&tx).await?;
        let saved = outlet_locked(&tx, &new.code)
            .await?
            .ok_or_else(ApiError::not_found)?;
        tx.commit().await?;
        Ok(saved)
    }

    /// See [`crate::hub::HubState::outlet_delete`].
    pub async fn outlet_delete(&self, code: &str) -> Result<(), ApiError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        lock_network(&tx).await?;
        // Locked: staff added through another hub waits for this delete
        // (then finds no outlet) or is seen by the check below.
        let current = outlet_locked(&tx, code)
            .await?
            .ok_or_else(ApiError::not_found)?;
        deletable(&current, attached(&tx, code).await?)?;
        scope_tree::views_changed(&tx, code).await?;
        tx.execute("DELETE FROM outlets WHERE code = $1", &[&code])
            .await?;
        scope_tree::refresh(&tx, code).await?;
        bump_revision(&tx, code, true).await?;
        notify_everyone(&tx).await?;
        Ok(tx.commit().await?)
    }
}
