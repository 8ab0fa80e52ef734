//! Outlet writes behind the storage interface (issue 15): add, edit and
//! delete an outlet with everything that follows from it — the list
//! revision, the closure, the scope index and report counters of the
//! orders whose ancestors change, the view epochs — on either engine.

use axum::http::StatusCode;

use super::Storage;
use crate::domain::outlet::Attached;
use crate::domain::{Outlet, OutletKind, OutletTree, RuleError};
use crate::hub::db;
use crate::hub::error::ApiError;
use crate::hub::{HubState, wake};

impl HubState {
    /// Adds `new` at version 1 if the network allows it (409 for a code
    /// taken, 422 for a rule broken).
    pub async fn outlet_create(&self, new: Outlet) -> Result<Outlet, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(move |c| {
                    let tx = c.transaction()?;
                    let tree = OutletTree::new(db::outlets(&tx)?);
                    tree.check_create(&new)?;
                    db::insert_outlet(&tx, &new)?;
                    let saved = db::outlet(&tx, &new.code)?.ok_or_else(ApiError::not_found)?;
                    tx.commit()?;
                    Ok(saved)
                })
                .await
            }
            Storage::Postgres(p) => self.woke_everyone(p.outlet_create(&new).await),
        }
    }

    /// Replaces outlet `new.code` if it is still at version `expected`
    /// (412 with the stored outlet otherwise).
    pub async fn outlet_update(&self, new: Outlet, expected: i64) -> Result<Outlet, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(move |c| {
                    let tx = c.transaction()?;
                    let current = db::outlet(&tx, &new.code)?.ok_or_else(ApiError::not_found)?;
                    if current.version != expected {
                        return Err(outlet_moved(&current));
                    }
                    let tree = OutletTree::new(db::outlets(&tx)?);
                    tree.check_update(&new)?;
                    if !db::update_outlet(&tx, &new, expected)? {
                        return Err(outlet_moved(&current));
                    }
                    let saved = db::outlet(&tx, &new.code)?.ok_or_else(ApiError::not_found)?;
                    tx.commit()?;
                    Ok(saved)
                })
                .await
            }
            Storage::Postgres(p) => self.woke_everyone(p.outlet_update(&new, expected).await),
        }
    }

    /// Deletes outlet `code` when nothing is attached to it (409
    /// `outlet_in_use` naming what is); HQ always stays.
    pub async fn outlet_delete(&self, code: String) -> Result<(), ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(move |c| {
                    let tx = c.transaction()?;
                    let current = db::outlet(&tx, &code)?.ok_or_else(ApiError::not_found)?;
                    deletable(&current, db::attached(&tx, &code)?)?;
                    db::delete_outlet(&tx, &code)?;
                    tx.commit()?;
                    Ok(())
                })
                .await
            }
            Storage::Postgres(p) => self.woke_everyone(p.outlet_delete(&code).await),
        }
    }

    /// After a PostgreSQL write that changed what every feed reports
    /// (committed, its NOTIFY sent to the other hubs): wakes this hub's
    /// waiting feeds too.
    pub(crate) fn woke_everyone<T>(&self, done: Result<T, ApiError>) -> Result<T, ApiError> {
        if done.is_ok() {
            self.wakes.wake(&wake::Touched::everyone_touched());
        }
        done
    }
}

/// 412 `version_moved` with the outlet as stored.
pub(super) fn outlet_moved(current: &Outlet) -> ApiError {
    let mut e = ApiError::new(StatusCode::PRECONDITION_FAILED, "version_moved");
    e.current = serde_json::to_value(current).ok();
    e
}

/// Whether `current` may go, with `attached` to it: HQ never, an outlet
/// with anything attached is refused naming it.
pub(super) fn deletable(current: &Outlet, attached: Attached) -> Result<(), ApiError> {
    if current.kind == OutletKind::Hq {
        return Err(RuleError::field("kind", "hq_must_stay").into());
    }
    if !attached.is_empty() {
        let mut e = ApiError::new(StatusCode::CONFLICT, "outlet_in_use");
        e.attached = Some(attached);
        return Err(e);
    }
    Ok(())
}
