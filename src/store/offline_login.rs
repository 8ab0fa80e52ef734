//! The offline view behind the user's password (issue 14 item 6,
//! RELIABILITY G6): at each online login an Argon2id verifier of the
//! password is kept in the cache (owner-only, like the customers it
//! guards; never the password itself), and "离线查看本地数据" opens only for
//! the password it verifies, with the hub's growing waits after failures.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, get_meta, set_meta};
use crate::api::SessionUser;
use crate::domain::throttle;
use crate::hub::auth::{hash_password, verify_password};

/// The longest wait after repeated wrong passwords (the hub's default).
const MAX_WAIT: Duration = Duration::from_secs(60);

/// What an offline login attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub enum OfflineCheck {
    /// The password is right: the cache opens for this user.
    Open(SessionUser),
    /// Wrong password, or not the user this PC last saw (the same answer
    /// for both, as at the hub).
    Refused,
    /// Too many wrong passwords: try again after this long.
    Wait(Duration),
    /// No password was kept for this cache (nobody logged in online
    /// since this version): log in online first.
    NoVerifier,
}

#[derive(Serialize, Deserialize)]
struct Verifier {
    login: String,
    /// Argon2id PHC string with its own random salt.
    hash: String,
}

const VERIFIER: &str = "offline_verifier";
/// "failures;last failure in ms since the epoch": kept in the cache so
/// restarting the client does not reset the wait.
const FAILURES: &str = "offline_failures";

fn failures(c: &rusqlite::Connection) -> Result<(u32, i64), StoreError> {
    Ok(get_meta(c, FAILURES)?
        .and_then(|v| {
            let (n, at) = v.split_once(';')?;
            Some((n.parse().ok()?, at.parse().ok()?))
        })
        .unwrap_or((0, 0)))
}

impl Store {
    /// Keeps a verifier of `password` for `user` after an online login
    /// (replacing any earlier one: only the last user may view offline),
    /// and clears the failure count. Slow on purpose (Argon2): call it
    /// from a worker thread.
    pub fn remember_password(&self, user: &SessionUser, password: &str) -> Result<(), StoreError> {
        let hash = hash_password(password).map_err(StoreError::Db)?;
        let v = serde_json::to_string(&Verifier {
            login: user.login.clone(),
            hash,
        })
        .map_err(|e| StoreError::Db(e.to_string()))?;
        self.with(|c| {
            set_meta(c, VERIFIER, &v)?;
            c.execute("DELETE FROM meta WHERE key = ?1", [FAILURES])?;
            Ok(())
        })
    }

    /// The server refused `login`: deactivated, or (when `password` still
    /// matches the kept verifier) its password was changed there. Either
    /// way the old password must no longer open this PC's copy.
    pub fn forget_password(&self, login: &str, password: Option<&str>) -> Result<(), StoreError> {
        let Some(v) = self.verifier()? else {
            return Ok(());
        };
        let stale = v.login == login && password.is_none_or(|p| verify_password(p, &v.hash));
        if stale {
            tracing::info!("offline password of {login} dropped: refused by the server");
            self.with(|c| {
                c.execute("DELETE FROM meta WHERE key = ?1", [VERIFIER])?;
                Ok(())
            })?;
        }
        Ok(())
    }

    fn verifier(&self) -> Result<Option<Verifier>, StoreError> {
        self.with(|c| Ok(get_meta(c, VERIFIER)?.and_then(|v| serde_json::from_str(&v).ok())))
    }

    /// Checks `login`/`password` against the kept verifier at `now`:
    /// opens the cache for the last user, or refuses and counts the
    /// failure. Slow on purpose (Argon2): call it from a worker thread.
    pub fn offline_login(
        &self,
        login: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<OfflineCheck, StoreError> {
        let (count, last_ms) = self.with(|c| failures(c))?;
        let wait = throttle::wait_after(count, MAX_WAIT);
        let until = last_ms.saturating_add(wait.as_millis() as i64);
        let now_ms = now.timestamp_millis();
        if now_ms < until {
            // A clock set back must not stretch the wait beyond its length.
            let left = Duration::from_millis((until - now_ms) as u64).min(wait);
            return Ok(OfflineCheck::Wait(left));
        }
        let Some(v) = self.verifier()? else {
            return Ok(OfflineCheck::NoVerifier);
        };
        let user = self.last_user()?;
        let right = verify_password(password, &v.hash)
            && v.login == login.trim()
            && user.as_ref().is_some_and(|u| u.login == v.login);
        match user.filter(|_| right) {
            Some(u) => {
                self.with(|c| {
                    c.execute("DELETE FROM meta WHERE key = ?1", [FAILURES])?;
                    Ok(())
                })?;
                Ok(OfflineCheck::Open(u))
            }
            None => {
                tracing::warn!("offline view: wrong password for {login}");
                self.with(|c| {
                    let (n, _) = failures(c)?;
                    set_meta(c, FAILURES, &format!("{};{now_ms}", n.saturating_add(1)))
                })?;
                Ok(OfflineCheck::Refused)
            }
        }
    }
}
