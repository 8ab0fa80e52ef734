//! What keeps one caller from taking the hub from everyone else (RELIABILITY
//! G5): bounded password work, growing waits after failed logins, a write
//! rate per user and a cap on blocking database work.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::ApiError;

/// Entries untouched this long are forgotten (and the failure count with
/// them), so the tables cannot grow without bound.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Above this many tracked names/addresses, forgotten entries are swept.
const SWEEP_ABOVE: usize = 10_000;

/// Limits of one hub; the defaults suit a company's server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Argon2 checks at once (each holds ~19 MiB); about one per core.
    pub password_workers: usize,
    /// How long a login waits for a password worker before 503.
    pub password_queue_wait: Duration,
    /// Longest wait after repeated failures, per login and per address:
    /// an attacker can hold a clerk off for at most this long at a time.
    pub max_login_backoff: Duration,
    /// Sustained writes per second per user, and the burst above it.
    pub writes_per_second: f64,
    pub write_burst: f64,
    /// Database tasks in flight at once; beyond it requests wait up to
    /// `db_queue_wait`, then get 503 instead of piling up threads.
    pub db_tasks: usize,
    pub db_queue_wait: Duration,
    /// Refused actions' idempotency answers are kept this long; applied
    /// ones for good (a clerk may resend after a long weekend).
    pub refused_key_ttl: Duration,
    /// Cap on hub.db's size (bytes); None = only the disk limits it.
    pub max_db_bytes: Option<u64>,
    /// Sizes and deadlines of one request.
    pub request: super::shield::RequestLimits,
    /// The longest a long poll (`changes?wait=`) is held: a proxy that
    /// drops idle requests sooner needs it shorter.
    pub max_long_poll: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Limits {
            password_workers: cores,
            password_queue_wait: Duration::from_secs(2),
            max_login_backoff: Duration::from_secs(60),
            writes_per_second: 10.0,
            write_burst: 120.0,
            db_tasks: 64,
            db_queue_wait: Duration::from_secs(5),
            refused_key_ttl: Duration::from_secs(7 * 24 * 3600),
            max_db_bytes: None,
            request: super::shield::RequestLimits::default(),
            max_long_poll: Duration::from_secs(30),
        }
    }
}

/// 429/503 with `Retry-After` in whole seconds (at least 1).
pub fn busy(status: StatusCode, code: &str, after: Duration) -> ApiError {
    let mut e = ApiError::new(status, code);
    e.retry_after = Some(after.as_secs_f64().ceil().max(1.0) as u64);
    e
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    until: Instant,
    seen: Instant,
}

/// Failed-login bookkeeping per login name and per client address.
#[derive(Debug, Default)]
struct Backoff {
    by_login: HashMap<String, Failures>,
    by_addr: HashMap<IpAddr, Failures>,
}

fn remaining<K: std::hash::Hash + Eq>(map: &HashMap<K, Failures>, k: &K, now: Instant) -> Duration {
    map.get(k)
        .map_or(Duration::ZERO, |f| f.until.saturating_duration_since(now))
}

fn fail<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, Failures>,
    k: K,
    now: Instant,
    cap: Duration,
) {
    if map.len() > SWEEP_ABOVE {
        map.retain(|_, f| now.duration_since(f.seen) < FORGET_AFTER);
    }
    let f = map.entry(k).or_insert(Failures {
        count: 0,
        until: now,
        seen: now,
    });
    if now.duration_since(f.seen) >= FORGET_AFTER {
        f.count = 0;
    }
    f.count += 1;
    f.seen = now;
    f.until = now + crate::domain::throttle::wait_after(f.count, cap);
}

/// The abuse guards of one running hub.
pub struct Guard {
    pub limits: Limits,
    passwords: Arc<Semaphore>,
    db_tasks: Arc<Semaphore>,
    backoff: Mutex<Backoff>,
    /// Per-login token buckets: (tokens, last refill).
    writes: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Guard {
    pub fn new(limits: Limits) -> Guard {
        Guard {
            passwords: Arc::new(Semaphore::new(limits.password_workers.max(1))),
            db_tasks: Arc::new(Semaphore::new(limits.db_tasks.max(1))),
            backoff: Mutex::new(Backoff::default()),
            writes: Mutex::new(HashMap::new()),
            limits,
        }
    }

    /// A slot for one Argon2 check, or 503 when every worker stayed busy.
    /// Owned: it moves into the blocking task, so the work stays bounded
    /// even when the caller hangs up mid-check.
    pub async fn password_slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        let wait = self.limits.password_queue_wait;
        let acquire = self.passwords.clone().acquire_owned();
        match tokio::time::timeout(wait, acquire).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(busy(
                StatusCode::SERVICE_UNAVAILABLE,
                "login_busy",
                Duration::from_secs(1),
            )),
        }
    }

    /// A slot for one blocking database task, or 503 under overload.
    pub async fn db_slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        let acquire = self.db_tasks.clone().acquire_owned();
        match tokio::time::timeout(self.limits.db_queue_wait, acquire).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(busy(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                Duration::from_secs(1),
            )),
        }
    }

    fn backoff(&self) -> std::sync::MutexGuard<'_, Backoff> {
        // Counters only: a panic elsewhere leaves them usable.
        self.backoff
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// 429 while `login` or `addr` must still wait after failures.
    pub fn login_allowed(&self, login: &str, addr: Option<IpAddr>) -> Result<(), ApiError> {
        let now = Instant::now();
        let b = self.backoff();
        let wait = remaining(&b.by_login, &login.to_owned(), now)
            .max(addr.map_or(Duration::ZERO, |a| remaining(&b.by_addr, &a, now)));
        if wait.is_zero() {
            Ok(())
        } else {
            Err(busy(StatusCode::TOO_MANY_REQUESTS, "login_throttled", wait))
        }
    }

    /// Counts a failed login against the name and the address.
    pub fn login_failed(&self, login: &str, addr: Option<IpAddr>) {
        let now = Instant::now();
        let cap = self.limits.max_login_backoff;
        let mut b = self.backoff();
        fail(&mut b.by_login, login.to_owned(), now, cap);
        if let Some(a) = addr {
            fail(&mut b.by_addr, a, now, cap);
        }
    }

    /// A right password clears the name's count; the address keeps its
    /// own (one good account must not unlock guessing at the others).
    pub fn login_succeeded(&self, login: &str) {
        self.backoff().by_login.remove(login);
    }

    /// Takes one write from `login`'s bucket, or 429 with the wait.
    pub fn write_allowed(&self, login: &str) -> Result<(), ApiError> {
        let rate = self.limits.writes_per_second.max(0.001);
        let burst = self.limits.write_burst.max(1.0);
        let now = Instant::now();
        let mut w = self
            .writes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if w.len() > SWEEP_ABOVE {
            w.retain(|_, (_, at)| now.duration_since(*at) < FORGET_AFTER);
        }
        let (tokens, at) = w.entry(login.to_owned()).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = Duration::from_secs_f64((1.0 - *tokens) / rate);
            Err(busy(StatusCode::TOO_MANY_REQUESTS, "rate_limited", wait))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_past_the_burst_must_wait_and_others_are_not_affected() {
        let g = Guard::new(Limits {
            writes_per_second: 1.0,
            write_burst: 3.0,
            ..Limits::default()
        });
        for _ in 0..3 {
            assert!(g.write_allowed("a").is_ok());
        }
        let e = g.write_allowed("a").expect_err("over the burst");
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(e.retry_after, Some(1));
        assert!(g.write_allowed("b").is_ok());
    }
}
