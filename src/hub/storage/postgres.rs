//! The PostgreSQL arm of [`super::Storage`] (issue 15): one method per hub
//! operation, one transaction per method, on a pooled connection with
//! [`crate::hub::pg::SESSION_SETTINGS`]. Writes run at READ COMMITTED
//! (PostgreSQL's default, which [`crate::hub::pg::changes`] relies on);
//! a read of one statement needs no transaction of its own.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use crate::api::OutletList;
use crate::domain::params::ParamDef;
use crate::domain::{Outlet, OutletKind, OutletTree, Role, RuleError, Staff};
use crate::hub::db::StoredParam;
use crate::hub::error::ApiError;
use crate::hub::guard::Limits;
use crate::hub::{auth, pg};

/// Connections per hub process; several hubs share the server's
/// `max_connections` (100 by default).
const POOL_SIZE: usize = 16;

/// A hub's connection pool.
pub struct Postgres {
    pool: deadpool_postgres::Pool,
    /// The outlets' closure rows, per outlet revision (order writes).
    pub(super) closures: super::pg_orders_write::Closures,
    /// Actions waiting to be written together.
    pub(super) groups: super::pg_action_groups::ActionGroups,
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        let busy = |code: &str| {
            let mut err = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code);
            err.retry_after = Some(1);
            err
        };
        match e.code() {
            // A writer stuck holding a lock (`lock_timeout`), or two
            // writers in each other's way: worth a retry, not a bug.
            Some(c)
                if *c == SqlState::LOCK_NOT_AVAILABLE
                    || *c == SqlState::T_R_DEADLOCK_DETECTED
                    || *c == SqlState::T_R_SERIALIZATION_FAILURE =>
            {
                tracing::warn!("PostgreSQL: {e}");
                busy("overloaded")
            }
            Some(c) if *c == SqlState::DISK_FULL => {
                tracing::error!("PostgreSQL cannot grow: {e}");
                let mut err = busy("storage_full");
                err.retry_after = Some(60);
                err
            }
            _ => ApiError::internal(pg::describe(&e)),
        }
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            // Every connection busy for `db_queue_wait`: shed, as SQLite's
            // hub does when its database tasks are all taken.
            deadpool_postgres::PoolError::Timeout(deadpool_postgres::TimeoutType::Wait) => {
                let mut err = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded");
                err.retry_after = Some(1);
                err
            }
            e => ApiError::internal(e),
        }
    }
}

const STAFF_COLS: &str = "login, name, outlet_code, role, phone, active, version";

fn staff_row(r: &Row) -> Staff {
    let role: String = r.get(3);
    Staff {
        login: r.get(0),
        name: r.get(1),
        outlet_code: r.get(2),
        role: Role::parse(&role).unwrap_or(Role::Clerk),
        phone: r.get(4),
        active: r.get(5),
        version: r.get(6),
    }
}

fn stored_param(r: &Row) -> StoredParam {
    let at: Option<DateTime<Utc>> = r.get(3);
    (r.get(0), r.get(1), r.get(2), at.map(|t| t.to_rfc3339()))
}

pub(super) const OUTLET_COLS: &str = "code, name, kind, parent_code, province, city, district, address, phone, urban, latitude, longitude, accepts_ali_orders, active, version";

pub(super) fn outlet_row(r: &Row) -> Outlet {
    let kind: String = r.get(2);
    Outlet {
        code: r.get(0),
        name: r.get(1),
        kind: OutletKind::parse(&kind).unwrap_or(OutletKind::Outlet),
        parent_code: r.get(3),
        province: r.get(4),
        city: r.get(5),
        district: r.get(6),
        address: r.get(7),
        phone: r.get(8),
        urban: r.get(9),
        latitude: r.get(10),
        longitude: r.get(11),
        accepts_ali_orders: r.get(12),
        active: r.get(13),
        version: r.get(14),
    }
}

/// `meta`'s integer `key` (0 when unset), as SQLite's hub reads it.
pub(crate) async fn meta_int(
    c: &impl tokio_postgres::GenericClient,
    key: &str,
) -> Result<i64, ApiError> {
    let v: Option<String> = c
        .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])
        .await?
        .map(|r| r.get(0));
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

pub(crate) async fn outlets(
    c: &impl tokio_postgres::GenericClient,
) -> Result<Vec<Outlet>, ApiError> {
    // Byte order, as SQLite sorts text.
    let rows = c
        .query(
            &format!("SELECT {OUTLET_COLS} FROM outlets ORDER BY code COLLATE \"C\""),
            &[],
        )
        .await?;
    Ok(rows.iter().map(outlet_row).collect())
}

const PARAM_COLS: &str = "key, value::text, updated_by, updated_at";

/// Raises `meta`'s `params_revision` inside the writing transaction.
pub(super) const BUMP_PARAMS_REVISION: &str =
    "INSERT INTO meta(key, value) VALUES ('params_revision', '1')
     ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text";

impl Postgres {
    /// Connects to `url` and brings its schema up to date. At most
    /// `limits.db_tasks` connections (and [`POOL_SIZE`]) work at once; a
    /// request that finds none free within `limits.db_queue_wait` is shed
    /// with 503 instead of queueing without bound (RELIABILITY G5).
    pub async fn open(url: &str, limits: &Limits) -> Result<Postgres, String> {
        let mut c = pg::connect(url).await?;
        pg::schema::migrate(&mut c).await?;
        let size = POOL_SIZE.min(limits.db_tasks.max(1));
        Ok(Postgres {
            pool: pg::pool(url, size, limits.db_queue_wait)?,
            closures: Default::default(),
            groups: Default::default(),
        })
    }

    pub(crate) async fn conn(&self) -> Result<deadpool_postgres::Object, ApiError> {
        Ok(self.pool.get().await?)
    }

    /// See [`crate::hub::HubState::login_lookup`].
    pub async fn login_lookup(
        &self,
        login: &str,
    ) -> Result<(Option<(String, bool)>, Option<Staff>), ApiError> {
        let c = self.conn().await?;
        let row = c
            .query_opt(
                &format!("SELECT {STAFF_COLS}, password_hash FROM staff WHERE login = $1"),
                &[&login],
            )
            .await?;
        Ok(match row {
            Some(r) => {
                let staff = staff_row(&r);
                (Some((r.get(7), staff.active)), Some(staff))
            }
            None => (None, None),
        })
    }

    /// See [`crate::hub::HubState::insert_session`].
    pub async fn insert_session(
        &self,
        token: &str,
        login: &str,
        expires: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        // Sweep expired sessions here, so checking a token stays a pure read.
        tx.execute(
            "DELETE FROM sessions WHERE expires_at <= $1",
            &[&Utc::now()],
        )
        .await?;
        tx.execute(
            "INSERT INTO sessions(token, login, expires_at) VALUES ($1, $2, $3)",
            &[&auth::digest(token), &login, &expires],
        )
        .await?;
        Ok(tx.commit().await?)
    }

    /// See [`crate::hub::HubState::session_user`].
    pub async fn session_user(&self, token: &str) -> Result<Option<Staff>, ApiError> {
        let c = self.conn().await?;
        let cols = STAFF_COLS
            .split(", ")
            .map(|col| format!("s.{col}"))
            .collect::<Vec<_>>()
            .join(", ");
        // Prepared once per connection: this runs on every request, and
        // a statement given as text costs a round trip to prepare each time.
        let st = c
            .prepare_cached(&format!(
                "SELECT {cols} FROM sessions x JOIN staff s ON s.login = x.login
                 WHERE x.token = $1 AND x.expires_at > $2 AND s.active"
            ))
            .await?;
        // The hub's clock decides expiry, as on SQLite.
        let row = c
            .query_opt(&st, &[&auth::digest(token), &Utc::now()])
            .await?;
        Ok(row.as_ref().map(staff_row))
    }

    /// See [`crate::hub::HubState::delete_session`].
    pub async fn delete_session(&self, token: &str) -> Result<(), ApiError> {
        let c = self.conn().await?;
        c.execute(
            "DELETE FROM sessions WHERE token = $1",
            &[&auth::digest(token)],
        )
        .await?;
        Ok(())
    }

    /// See [`crate::hub::HubState::parameters`].
    pub async fn parameters(&self) -> Result<Vec<StoredParam>, ApiError> {
        let c = self.conn().await?;
        let rows = c
            .query(&format!("SELECT {PARAM_COLS} FROM parameters"), &[])
            .await?;
        Ok(rows.iter().map(stored_param).collect())
    }

    /// See [`crate::hub::HubState::set_parameter`].
    pub async fn set_parameter(
        &self,
        def: &'static ParamDef,
        value: &Value,
        by: &str,
    ) -> Result<Vec<StoredParam>, ApiError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        // Locked, so two administrators' changes are checked one after
        // the other against the value each replaces.
        let old: Option<Value> = tx
            .query_opt(
                "SELECT value FROM parameters WHERE key = $1 FOR UPDATE",
                &[&def.key],
            )
            .await?
            .map(|r| r.get(0));
        def.validate(value, old.as_ref())?;
        tx.execute(
            "INSERT INTO parameters(key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            &[&def.key, value, &by, &Utc::now()],
        )
        .await?;
        tx.execute(BUMP_PARAMS_REVISION, &[]).await?;
        // Every feed on every hub carries the new revision (delivered on
        // commit only).
        let everyone = pg::notify::payload(&crate::hub::wake::Touched::everyone_touched());
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&pg::notify::CHANNEL, &everyone],
        )
        .await?;
        let rows = tx
            .query(&format!("SELECT {PARAM_COLS} FROM parameters"), &[])
            .await?;
        tx.commit().await?;
        Ok(rows.iter().map(stored_param).collect())
    }

    /// See [`crate::hub::HubState::outlet_list`].
    pub async fn outlet_list(&self, since: Option<i64>) -> Result<OutletList, ApiError> {
        let mut c = self.conn().await?;
        // The revision and the rows from one snapshot, as SQLite's reader.
        let tx = c
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let revision = meta_int(&*tx, "outlet_revision").await?;
        let floor = meta_int(&*tx, "outlet_since_floor").await?;
        let list = match since.filter(|s| (floor..=revision).contains(s)) {
            Some(since) => {
                let changed = tx
                    .query(
                        &format!(
                            "SELECT {OUTLET_COLS} FROM outlets WHERE revision > $1 ORDER BY code COLLATE \"C\""
                        ),
                        &[&since],
                    )
                    .await?;
                let removed = tx
                    .query(
                        "SELECT code FROM outlets_removed WHERE revision > $1 ORDER BY code COLLATE \"C\"",
                        &[&since],
                    )
                    .await?;
                OutletList {
                    revision,
                    outlets: changed.iter().map(outlet_row).collect(),
                    removed: removed.iter().map(|r| r.get(0)).collect(),
                    full: false,
                }
            }
            None => OutletList {
                revision,
                outlets: outlets(&*tx).await?,
                removed: Vec::new(),
                full: true,
            },
        };
        tx.commit().await?;
        Ok(list)
    }

    /// See [`crate::hub::HubState::staff_list`].
    pub async fn staff_list(
        &self,
        outlet: Option<String>,
        include_sub: bool,
        name: Option<String>,
        limit: i64,
    ) -> Result<Vec<Staff>, ApiError> {
        let mut c = self.conn().await?;
        let tx = c
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let codes = match outlet.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(code) if include_sub => {
                Some(super::subtree(&OutletTree::new(outlets(&*tx).await?), code))
            }
            Some(code) => Some(vec![code.to_owned()]),
        };
        let name = name.filter(|n| !n.is_empty());
        let rows = tx
            .query(
                &format!(
                    "SELECT {STAFF_COLS} FROM staff
                     WHERE ($1::text[] IS NULL OR outlet_code = ANY($1))
                       AND ($2::text IS NULL OR strpos(name, $2) > 0)
                     ORDER BY outlet_code COLLATE \"C\", login COLLATE \"C\" LIMIT $3"
                ),
                &[&codes, &name, &limit],
            )
            .await?;
        tx.commit().await?;
        Ok(rows.iter().map(staff_row).collect())
    }

    async fn staff_in(
        tx: &tokio_postgres::Transaction<'_>,
        login: &str,
        lock: bool,
    ) -> Result<Option<Staff>, ApiError> {
        let lock = if lock { " FOR UPDATE" } else { "" };
        let row = tx
            .query_opt(
                &format!("SELECT {STAFF_COLS} FROM staff WHERE login = $1{lock}"),
                &[&login],
            )
            .await?;
        Ok(row.as_ref().map(staff_row))
    }

    async fn outlet_known(
        tx: &tokio_postgres::Transaction<'_>,
        code: &str,
    ) -> Result<bool, ApiError> {
        // Shared lock: the outlet cannot be deleted before this commits.
        Ok(tx
            .query_opt("SELECT 1 FROM outlets WHERE code = $1 FOR SHARE", &[&code])
            .await?
            .is_some())
    }

    /// See [`crate::hub::HubState::staff_create`].
    pub async fn staff_create(&self, staff: &Staff, hash: &str) -> Result<Staff, ApiError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        if !Self::outlet_known(&tx, &staff.outlet_code).await? {
            return Err(RuleError::field("outlet_code", "unknown_outlet").into());
        }
        // A login another hub is inserting right now waits here, then
        // counts as taken.
        let n = tx
            .execute(
                &format!(
                    "INSERT INTO staff ({STAFF_COLS}, password_hash, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) ON CONFLICT (login) DO NOTHING"
                ),
                &[
                    &staff.login,
                    &staff.name,
                    &staff.outlet_code,
                    &staff.role.as_str(),
                    &staff.phone,
                    &staff.active,
                    &hash,
                    &Utc::now(),
                ],
            )
            .await?;
        if n == 0 {
            return Err(super::duplicate_login());
        }
        let saved = Self::staff_in(&tx, &staff.login, false)
            .await?
            .ok_or_else(ApiError::not_found)?;
        tx.commit().await?;
        Ok(saved)
    }

    /// See [`crate::hub::HubState::staff_update`].
    pub async fn staff_update(
        &self,
        staff: &Staff,
        hash: Option<&str>,
        expected: i64,
        caller: &str,
    ) -> Result<Staff, ApiError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        // The active administrators are locked, so two administrators
        // demoting each other at once cannot leave none.
        let others = tx
            .query(
                "SELECT login FROM staff WHERE role = 'admin' AND active AND login <> $1
                 ORDER BY login COLLATE \"C\" FOR UPDATE",
                &[&staff.login],
            )
            .await?
            .len() as i64;
        let current = Self::staff_in(&tx, &staff.login, true)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let known = Self::outlet_known(&tx, &staff.outlet_code).await?;
        let hash_owned = hash.map(str::to_owned);
        let end_sessions = super::staff_update_allowed(
            &current,
            staff,
            expected,
            known,
            others,
            &hash_owned,
            caller,
        )?;
        tx.execute(
            "UPDATE staff SET name = $2, outlet_code = $3, role = $4, phone = $5, active = $6,
                 password_hash = coalesce($7, password_hash), version = version + 1, updated_at = $8
             WHERE login = $1",
            &[
                &staff.login,
                &staff.name,
                &staff.outlet_code,
                &staff.role.as_str(),
                &staff.phone,
                &staff.active,
                &hash,
                &Utc::now(),
            ],
        )
        .await?;
        if end_sessions {
            tx.execute("DELETE FROM sessions WHERE login = $1", &[&staff.login])
                .await?;
        }
        let saved = Self::staff_in(&tx, &staff.login, false)
            .await?
            .ok_or_else(ApiError::not_found)?;
        tx.commit().await?;
        Ok(saved)
    }
}
