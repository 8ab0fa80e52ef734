//! The hub's storage interface (issue 15, designed in [`crate::hub::pg`]):
//! one `async fn` per hub operation on [`HubState`], one transaction per
//! operation, dispatched on [`Storage`]. Routes call these and never name
//! an engine.
//!
//! The SQLite arm is the code the routes ran before, moved here unchanged
//! (today's `db` functions on [`HubState::db`]'s writer or in one
//! [`HubState::read`] snapshot); the PostgreSQL arm is
//! [`postgres::Postgres`].
//!
//! Behind the interface: sessions and logins (every request's
//! session lookup included), parameters, the outlet list, staff, the
//! outlet writes with their closure, scope-index, report-counter and
//! view-epoch upkeep ([`outlets_write`]; PostgreSQL's in
//! [`crate::hub::pg::scope_tree`]), print templates, products, the rate
//! card and its import, quotes and waybill reads ([`rate_card`]), the
//! order reads ([`orders_read`]: feed, list, one order, events;
//! [`reports_read`]: the conversion report) and the order writes
//! ([`orders_write`]: actions with their idempotency keys, inbound orders
//! and cancels) — every route. [`HubState::db`] / [`HubState::read`]
//! remain for SQLite arms only (they answer 500 on PostgreSQL).

pub mod orders_read;
pub mod orders_write;
pub mod outlets_write;
pub mod pg_action_groups;
pub mod pg_health;
pub mod pg_new_orders;
pub mod pg_one_statement;
pub mod pg_orders_read;
pub mod pg_orders_write;
pub mod pg_outlets_write;
pub mod pg_pipeline;
pub mod pg_rate_card;
pub mod pg_reports_read;
pub mod postgres;
pub mod rate_card;
pub mod ready;
pub mod reports_read;
pub mod sqlite;
pub mod sqlite_intake;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::api::OutletList;
use crate::domain::params::ParamDef;
use crate::domain::{OutletTree, Role, RuleError, Staff};
use crate::hub::db::{self, StoredParam};
use crate::hub::error::ApiError;
use crate::hub::{HubState, wake};

/// Where a hub keeps its data.
pub enum Storage {
    /// `hub.db` in the data directory (the embedded demo, one branch).
    Sqlite(sqlite::Sqlite),
    /// A PostgreSQL database shared by several hubs.
    Postgres(postgres::Postgres),
}

impl HubState {
    /// A login's password hash and whether it is active, and the staff
    /// member (for the session answer), in one snapshot.
    pub async fn login_lookup(
        &self,
        login: String,
    ) -> Result<(Option<(String, bool)>, Option<Staff>), ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.read(move |c| Ok((db::password_hash(c, &login)?, db::staff(c, &login)?)))
                    .await
            }
            Storage::Postgres(p) => p.login_lookup(&login).await,
        }
    }

    /// Stores a new session (as the token's digest), sweeping expired ones.
    pub async fn insert_session(
        &self,
        token: String,
        login: String,
        expires: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(move |c| Ok(db::insert_session(c, &token, &login, expires)?))
                    .await
            }
            Storage::Postgres(p) => p.insert_session(&token, &login, expires).await,
        }
    }

    /// The active staff member behind a live token (every request).
    pub async fn session_user(&self, token: String) -> Result<Option<Staff>, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.read(move |c| Ok(db::session_user(c, &token)?.map(|(s, _)| s)))
                    .await
            }
            Storage::Postgres(p) => p.session_user(&token).await,
        }
    }

    /// Ends one session.
    pub async fn delete_session(&self, token: String) -> Result<(), ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => self.db(move |c| Ok(db::delete_session(c, &token)?)).await,
            Storage::Postgres(p) => p.delete_session(&token).await,
        }
    }

    /// Every stored parameter row.
    pub async fn parameters(&self) -> Result<Vec<StoredParam>, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => self.read(|c| Ok(db::parameters(c)?)).await,
            Storage::Postgres(p) => p.parameters().await,
        }
    }

    /// Sets parameter `def` to `value` if `def` accepts it after the value
    /// it replaces (422 otherwise, the old value kept), raises the
    /// settings revision and wakes every feed; returns every stored row.
    pub async fn set_parameter(
        &self,
        def: &'static ParamDef,
        value: Value,
        by: String,
    ) -> Result<Vec<StoredParam>, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(move |c| {
                    let tx = c.transaction()?;
                    let old: Option<Value> = db::parameters(&tx)?
                        .into_iter()
                        .find(|s| s.0 == def.key)
                        .and_then(|s| serde_json::from_str(&s.1).ok());
                    def.validate(&value, old.as_ref())?;
                    db::set_parameter(&tx, def.key, &value.to_string(), Some(&by))?;
                    let stored = db::parameters(&tx)?;
                    tx.commit()?;
                    Ok(stored)
                })
                .await
            }
            Storage::Postgres(p) => {
                let stored = p.set_parameter(def, &value, &by).await?;
                // This hub's waiting feeds; the other hubs' hear the
                // transaction's NOTIFY.
                let ((), touched) = wake::collect(wake::network_changed);
                self.wakes.wake(&touched);
                Ok(stored)
            }
        }
    }

    /// The network with its revision, or what changed after `since`
    /// (`full: false`) when that revision can still be answered so.
    pub async fn outlet_list(&self, since: Option<i64>) -> Result<OutletList, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.read(move |c| {
                    let revision = db::outlet_revision(c)?;
                    let since = since.map(|s| db::outlets_since(c, s)).transpose()?;
                    Ok(match since.flatten() {
                        Some((outlets, removed)) => OutletList {
                            revision,
                            outlets,
                            removed,
                            full: false,
                        },
                        None => OutletList {
                            revision,
                            outlets: db::outlets(c)?,
                            removed: Vec::new(),
                            full: true,
                        },
                    })
                })
                .await
            }
            Storage::Postgres(p) => p.outlet_list(since).await,
        }
    }

    /// Staff at the outlets `outlets` names (every outlet when `None`;
    /// with `include_sub`, those below it too) whose name holds `name`,
    /// in outlet and login order, at most `limit`.
    pub async fn staff_list(
        &self,
        outlet: Option<String>,
        include_sub: bool,
        name: Option<String>,
        limit: i64,
    ) -> Result<Vec<Staff>, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.read(move |c| {
                    let codes = match outlet.as_deref().filter(|s| !s.is_empty()) {
                        None => None,
                        Some(code) if include_sub => {
                            Some(subtree(&OutletTree::new(db::outlets(c)?), code))
                        }
                        Some(code) => Some(vec![code.to_owned()]),
                    };
                    Ok(db::staff_query(
                        c,
                        codes.as_deref(),
                        name.as_deref(),
                        limit,
                    )?)
                })
                .await
            }
            Storage::Postgres(p) => p.staff_list(outlet, include_sub, name, limit).await,
        }
    }

    /// Adds a staff member (`hash`: the password's); 422 for an unknown
    /// outlet, 409 for a login taken.
    pub async fn staff_create(&self, staff: Staff, hash: String) -> Result<Staff, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(move |c| {
                    let tx = c.transaction()?;
                    if db::outlet(&tx, &staff.outlet_code)?.is_none() {
                        return Err(RuleError::field("outlet_code", "unknown_outlet").into());
                    }
                    if db::staff(&tx, &staff.login)?.is_some() {
                        return Err(duplicate_login());
                    }
                    db::insert_staff(&tx, &staff, &hash)?;
                    let saved = db::staff(&tx, &staff.login)?.ok_or_else(ApiError::not_found)?;
                    tx.commit()?;
                    Ok(saved)
                })
                .await
            }
            Storage::Postgres(p) => p.staff_create(&staff, &hash).await,
        }
    }

    /// Edits a staff member still at version `expected` (412 otherwise);
    /// `hash` replaces the password. A change of access ends that
    /// person's sessions unless `caller` made it about themself.
    pub async fn staff_update(
        &self,
        staff: Staff,
        hash: Option<String>,
        expected: i64,
        caller: String,
    ) -> Result<Staff, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(move |c| {
                    let tx = c.transaction()?;
                    let current = db::staff(&tx, &staff.login)?.ok_or_else(ApiError::not_found)?;
                    let known = db::outlet(&tx, &staff.outlet_code)?.is_some();
                    let others = db::other_active_admins(&tx, &staff.login)?;
                    let end_sessions = staff_update_allowed(
                        &current, &staff, expected, known, others, &hash, &caller,
                    )?;
                    if !db::update_staff(&tx, &staff, hash.as_deref(), expected)? {
                        return Err(version_moved(None));
                    }
                    if end_sessions {
                        db::delete_sessions_of(&tx, &staff.login)?;
                    }
                    let saved = db::staff(&tx, &staff.login)?.ok_or_else(ApiError::not_found)?;
                    tx.commit()?;
                    Ok(saved)
                })
                .await
            }
            Storage::Postgres(p) => {
                p.staff_update(&staff, hash.as_deref(), expected, &caller)
                    .await
            }
        }
    }
}

/// `code` and every outlet below it, sorted.
fn subtree(tree: &OutletTree, code: &str) -> Vec<String> {
    let mut v: Vec<String> = tree.subtree(code).into_iter().collect();
    v.sort();
    v
}

fn duplicate_login() -> ApiError {
    RuleError::Duplicate {
        field: "login".into(),
    }
    .into()
}

/// 412 `version_moved`, with the stored record when there is one.
fn version_moved(current: Option<&Staff>) -> ApiError {
    let mut e = ApiError::new(StatusCode::PRECONDITION_FAILED, "version_moved");
    e.current = current.and_then(|c| serde_json::to_value(c).ok());
    e
}

/// Whether `new` may replace `current` (stored at version `expected`,
/// its outlet `outlet_known`, `other_admins` other active
/// administrators); `Ok(true)` when the change ends the person's
/// sessions elsewhere (deactivated, role changed, password reset, by
/// someone else).
fn staff_update_allowed(
    current: &Staff,
    new: &Staff,
    expected: i64,
    outlet_known: bool,
    other_admins: i64,
    hash: &Option<String>,
    caller: &str,
) -> Result<bool, ApiError> {
    if current.version != expected {
        return Err(version_moved(Some(current)));
    }
    if !outlet_known {
        return Err(RuleError::field("outlet_code", "unknown_outlet").into());
    }
    let stays_admin = new.role == Role::Admin && new.active;
    if current.role == Role::Admin && !stays_admin && other_admins == 0 {
        return Err(RuleError::field("role", "last_admin").into());
    }
    let access_changed = hash.is_some() || !new.active || new.role != current.role;
    Ok(access_changed && new.login != caller)
}
