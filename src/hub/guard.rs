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

use super::auth::Scratch;
use super::error::ApiError;
use super::password_workers::PasswordWorkers;

/// Entries untouched this long are forgotten (and the failure count with
/// them).
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Above this many users' write buckets, forgotten ones are swept (only
/// logged-in users have one, so staff numbers bound it).
const SWEEP_ABOVE: usize = 10_000;

/// Limits of one hub; the defaults suit a company's server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Argon2 checks at once, each on its own thread holding ~19 MiB for
    /// good; about one per core.
    pub password_workers: usize,
    /// How long a login waits for a password worker before 503.
    pub password_queue_wait: Duration,
    /// Longest wait after repeated failures, per login and per address:
    /// an attacker can hold a clerk off for at most this long at a time.
    pub max_login_backoff: Duration,
    /// Most login names, and most addresses, whose failures are tracked at
    /// once: made-up names from many addresses cannot grow memory past it.
    pub max_tracked_logins: usize,
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
            max_tracked_logins: 10_000,
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

/// Failed-login bookkeeping per login name and per client address. Names
/// are kept as digests: a made-up 16 KiB name costs what a real one does.
#[derive(Debug, Default)]
struct Backoff {
    by_login: HashMap<[u8; 32], Failures>,
    by_addr: HashMap<IpAddr, Failures>,
}

fn login_key(login: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(login.as_bytes()).into()
}

fn remaining<K: std::hash::Hash + Eq>(map: &HashMap<K, Failures>, k: &K, now: Instant) -> Duration {
    map.get(k)
        .map_or(Duration::ZERO, |f| f.until.saturating_duration_since(now))
}

fn fail<K: std::hash::Hash + Eq + Copy>(
    map: &mut HashMap<K, Failures>,
    k: K,
    now: Instant,
    limits: &Limits,
) {
    if !map.contains_key(&k) && map.len() >= limits.max_tracked_logins.max(1) {
        map.retain(|_, f| now.duration_since(f.seen) < FORGET_AFTER);
        // Still full: the entry that guards least goes, so that a flood of
        // made-up names cannot push out a name someone is guessing at: one
        // not waiting before one that is, then the fewest failures.
        if map.len() >= limits.max_tracked_logins.max(1)
            && let Some(weakest) = map
                .iter()
                .min_by_key(|(_, f)| (f.until > now, f.count, f.seen))
                .map(|(k, _)| *k)
        {
            map.remove(&weakest);
        }
    }
    let cap = limits.max_login_backoff;
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
    password_workers: Arc<PasswordWorkers>,
    db_tasks: Arc<Semaphore>,
    backoff: Mutex<Backoff>,
    /// Per-login token buckets: (tokens, last refill).
    writes: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Guard {
    pub fn new(limits: Limits) -> Guard {
        Guard {
            passwords: Arc::new(Semaphore::new(limits.password_workers.max(1))),
            password_workers: Arc::new(PasswordWorkers::new(limits.password_workers)),
            db_tasks: Arc::new(Semaphore::new(limits.db_tasks.max(1))),
            backoff: Mutex::new(Backoff::default()),
            writes: Mutex::new(HashMap::new()),
            limits,
        }
    }

    /// Runs Argon2 work `f` (a login's check) on a password worker, or
    /// 503 when every worker stayed busy for `password_queue_wait`.
    pub async fn password_check<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Scratch) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let wait = self.limits.password_queue_wait;
        let acquire = self.passwords.clone().acquire_owned();
        let slot = match tokio::time::timeout(wait, acquire).await {
            Ok(Ok(p)) => p,
            _ => {
                return Err(busy(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "login_busy",
                    Duration::from_secs(1),
                ));
            }
        };
        self.password_run(slot, f).await
    }

    /// [`password_check`](Self::password_check) for an administrator
    /// setting a password: waits its turn (within the request's deadline)
    /// instead of being shed with the login storm.
    pub async fn password_hash<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Scratch) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let slot = self.passwords.clone().acquire_owned().await;
        self.password_run(slot.map_err(ApiError::internal)?, f)
            .await
    }

    /// The slot moves into the job, so the work stays bounded even when
    /// the caller hangs up mid-check.
    async fn password_run<T: Send + 'static>(
        &self,
        slot: OwnedSemaphorePermit,
        f: impl FnOnce(&mut Scratch) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        self.password_workers
            .run(move |s| {
                let _slot = slot;
                f(s)
            })
            .await
            .map_err(ApiError::internal)
    }

    /// The password threads, for work outside a request (first start).
    pub fn password_workers(&self) -> Arc<PasswordWorkers> {
        self.password_workers.clone()
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
        let wait = remaining(&b.by_login, &login_key(login), now)
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
        let mut b = self.backoff();
        fail(&mut b.by_login, login_key(login), now, &self.limits);
        if let Some(a) = addr {
            fail(&mut b.by_addr, a, now, &self.limits);
        }
    }

    /// A right password clears the name's count; the address keeps its
    /// own (one good account must not unlock guessing at the others).
    pub fn login_succeeded(&self, login: &str) {
        self.backoff().by_login.remove(&login_key(login));
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
