//! The sync engine (RELIABILITY.md): pushes the outbox with the same key on
//! every retry, pulls the change feed page by page, and says what happened.
//! It holds its own cache connection and never touches the GUI thread.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::client::{ClientError, HubClient, decode_feed, is_transient};
use crate::api::feed::RawChangesPage;
use crate::domain::clock::{ClockAnchor, PcClock};
use crate::store::{Store, StoreError};

/// Capped exponential backoff with full jitter.
#[derive(Debug, Clone)]
pub struct Backoff {
    attempt: u32,
    base: Duration,
    cap: Duration,
}

impl Backoff {
    /// From `base` doubling up to `cap`.
    pub fn new(base: Duration, cap: Duration) -> Self {
        Backoff {
            attempt: 0,
            base,
            cap,
        }
    }

    /// The next wait: a random time up to the current ceiling, but never
    /// before the server's `Retry-After`.
    pub fn next(&mut self, retry_after: Option<Duration>) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32.checked_shl(self.attempt.min(16)).unwrap_or(u32::MAX))
            .min(self.cap);
        self.attempt = self.attempt.saturating_add(1);
        let jitter = (uuid::Uuid::new_v4().as_u128() as u64) % (ceiling.as_millis() as u64 + 1);
        let wait = Duration::from_millis(jitter);
        retry_after.map_or(wait, |r| wait.max(r))
    }

    /// After a success.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// What one sync round did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// The server answered something.
    pub online: bool,
    /// Actions the server applied this round.
    pub pushed: usize,
    /// Which order each applied action was for, and what it did, so the
    /// notice can name them ("订单 … 已受理").
    pub applied: Vec<(String, crate::domain::order::ActionKind)>,
    /// Actions the server refused this round.
    pub rejected: usize,
    /// Orders written from the feed.
    pub pulled: usize,
    /// Orders dropped because they left the view.
    pub removed: usize,
    /// Actions still waiting.
    pub pending: i64,
    /// The server's time at the last page, with this PC's clocks then.
    pub clock: Option<ClockAnchor>,
    /// The server's parameter revision, when a page said it.
    pub params_revision: Option<i64>,
    /// The rate card was fetched anew this round (for offline quotes).
    pub card_refreshed: bool,
    /// The network's print templates were fetched anew this round.
    pub templates_refreshed: bool,
    /// The last problem, for the status bar.
    pub error: Option<String>,
    /// The token is no longer accepted: log in again.
    pub need_login: bool,
    /// Wait this long before the next round (backoff).
    pub retry_in: Option<Duration>,
    /// When the round ended (this PC's clock, for display only).
    pub at: Option<DateTime<Utc>>,
}

impl Report {
    /// Whether the cache changed, so lists should reload.
    pub fn changed(&self) -> bool {
        self.pushed + self.rejected + self.pulled + self.removed > 0
    }
}

enum Stop {
    Offline(String),
    Login,
    Retry(Duration, String),
    Store(StoreError),
}

/// Pushes and pulls for one logged-in user.
pub struct Engine {
    client: HubClient,
    store: Store,
    page_size: i64,
    backoff: Backoff,
    /// The server's `Retry-After`: no request before this (monotonic
    /// clock), even when a round is started early ("sync now").
    not_before: Option<(Instant, String)>,
    /// "rate revision.parameter revision" as the last page reported: the
    /// cached card is refetched when it moves.
    card_key: Option<String>,
    /// Reads this PC's clocks (a test may set them wrong).
    pc_clock: PcClockFn,
}

/// Where the engine reads this PC's clocks.
pub type PcClockFn = std::sync::Arc<dyn Fn() -> PcClock + Send + Sync>;

impl Engine {
    /// An engine using `client` (with its token) and its own `store`.
    pub fn new(client: HubClient, store: Store, page_size: i64) -> Self {
        Engine {
            client,
            store,
            page_size: page_size.clamp(1, 1000),
            backoff: Backoff::new(Duration::from_millis(500), Duration::from_secs(60)),
            not_before: None,
            card_key: None,
            pc_clock: std::sync::Arc::new(super::pc_clock::now),
        }
    }

    /// Reads this PC's clocks with `f` instead (a PC whose clock is wrong,
    /// in tests).
    pub fn with_pc_clock(mut self, f: PcClockFn) -> Self {
        self.pc_clock = f;
        self
    }

    /// Replaces the client (a new token after logging in again).
    pub fn set_client(&mut self, client: HubClient) {
        self.client = client;
    }

    /// Changes the feed page size.
    pub fn set_page_size(&mut self, n: i64) {
        self.page_size = n.clamp(1, 1000);
    }

    /// One round: push the outbox, then pull the feed.
    pub async fn sync_once(&mut self) -> Report {
        self.sync_after(None).await
    }

    /// Waits at the head of the feed (a long poll of `wait`) until the
    /// hub has something in this user's view, or `wait` ends. Nothing is
    /// written: dropping it mid-wait is safe; hand what it heard to
    /// [`Engine::sync_after`].
    pub async fn listen(&self, wait: Duration) -> Heard {
        let cursor = self.blocking(|s| s.cursor()).await.ok().flatten();
        let sent = Instant::now();
        let (rtt, pc, answer) = self.fetch_waiting(cursor, Some(wait)).await;
        Heard {
            took: sent.elapsed(),
            fetched: (rtt, pc, answer),
        }
    }

    /// One round whose first feed page is what [`Engine::listen`] heard
    /// (unless this round pushed something, which the page may predate).
    pub async fn sync_after(&mut self, heard: Option<Heard>) -> Report {
        let mut r = Report::default();
        if let Some((until, why)) = self.not_before.clone() {
            let now = Instant::now();
            if now < until {
                r.online = true;
                r.error = Some(why);
                r.retry_in = Some(until - now);
                r.pending = self.blocking(|s| s.pending_count()).await.unwrap_or(0);
                r.at = Some(Utc::now());
                return r;
            }
            self.not_before = None;
        }
        let pushed = self.push(&mut r).await;
        let first = heard
            .filter(|_| r.pushed + r.rejected == 0)
            .map(|h| h.fetched);
        let outcome = match pushed {
            Ok(()) => self.pull(&mut r, first).await,
            // One action the server cannot take yet (a 5xx on it, an
            // answer we could not read) or a local hiccup must not freeze
            // the list: still pull, unless the server asked for quiet
            // (Retry-After). The action is resent next round.
            Err(Stop::Retry(d, e)) if self.not_before.is_none() => {
                self.pull(&mut r, first).await.and(Err(Stop::Retry(d, e)))
            }
            Err(Stop::Store(e)) => self.pull(&mut r, first).await.and(Err(Stop::Store(e))),
            Err(s) => Err(s),
        };
        match outcome {
            Ok(()) => {
                self.backoff.reset();
                r.online = true;
                if let Some(key) = self.card_key.take() {
                    r.card_refreshed =
                        super::waybill_client::refresh_rate_card(&self.client, &self.store, key)
                            .await;
                }
                if let Some(rev) = r.params_revision {
                    r.templates_refreshed = super::print_client::refresh_print_templates(
                        &self.client,
                        &self.store,
                        rev.to_string(),
                    )
                    .await;
                }
            }
            Err(Stop::Offline(e)) => {
                r.online = false;
                r.error = Some(e);
                r.retry_in = Some(self.backoff.next(None));
            }
            Err(Stop::Login) => {
                r.online = true;
                r.need_login = true;
            }
            Err(Stop::Retry(d, e)) => {
                r.error = Some(e);
                r.retry_in = Some(d);
            }
            Err(Stop::Store(e)) => {
                r.online = true;
                r.error = Some(e.user_message(self.client.lang()));
                r.retry_in = Some(self.backoff.next(None));
            }
        }
        r.pending = self
            .blocking(|s| s.pending_count())
            .await
            .unwrap_or(r.pending);
        r.at = Some(Utc::now());
        r
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.store.run(f).await
    }

    /// Sends queued actions in order until the queue is empty or something
    /// stops it.
    async fn push(&mut self, r: &mut Report) -> Result<(), Stop> {
        loop {
            let Some(item) = self
                .blocking(|s| s.next_outbox())
                .await
                .map_err(Stop::Store)?
            else {
                return Ok(());
            };
            let answer = self
                .client
                .act(&item.order_no, &item.key, &item.action)
                .await;
            let id = item.id;
            match answer {
                Ok(order) => {
                    r.online = true;
                    r.pushed += 1;
                    r.applied.push((item.order_no.clone(), item.action.kind()));
                    self.backoff.reset();
                    self.blocking(move |s| s.outbox_applied(id, &order))
                        .await
                        .map_err(Stop::Store)?;
                }
                Err(e) => {
                    let why = describe(&e, self.client.lang());
                    match classify(&e) {
                        Verdict::Final => {
                            r.online = true;
                            r.rejected += 1;
                            let current = e
                                .detail()
                                .and_then(|d| d.order.clone())
                                .and_then(|v| serde_json::from_value(v).ok());
                            let w = why.clone();
                            self.blocking(move |s| s.outbox_rejected(id, &w, current.as_ref()))
                                .await
                                .map_err(Stop::Store)?;
                        }
                        Verdict::Login => {
                            self.requeue(id, &why).await?;
                            return Err(Stop::Login);
                        }
                        Verdict::Offline => {
                            self.requeue(id, &why).await?;
                            return Err(Stop::Offline(why));
                        }
                        Verdict::Later => {
                            self.requeue(id, &why).await?;
                            let wait = self.later(&e, &why);
                            return Err(Stop::Retry(wait, why));
                        }
                    }
                }
            }
        }
    }

    /// The wait after a "try later" answer; the server's `Retry-After`
    /// is also kept so no round sends anything before it.
    fn later(&mut self, e: &ClientError, why: &str) -> Duration {
        let after = e.retry_after().map(Duration::from_secs);
        if let Some(a) = after {
            self.not_before = Some((Instant::now() + a, why.to_owned()));
        }
        self.backoff.next(after)
    }

    async fn requeue(&self, id: i64, why: &str) -> Result<(), Stop> {
        let w = why.to_owned();
        self.blocking(move |s| s.outbox_retry(id, &w))
            .await
            .map_err(Stop::Store)
    }

    /// Pulls pages until the server says there is no more. During a
    /// backlog the pages come in runs (see [`Engine::fetch_run`]); each run
    /// is written with its last cursor in one transaction while the next
    /// run is already being fetched.
    async fn pull(&mut self, r: &mut Report, first: Option<Fetched>) -> Result<(), Stop> {
        let pulled = self.pull_pages(r, first).await;
        if pulled.is_err() {
            // Stopped short of the head: a cold sync's bulk load indexes
            // what came, so the lists show it while the rest waits.
            if let Err(e) = self.blocking(|s| s.end_bulk_load()).await {
                tracing::warn!("cache: {e}");
            }
        }
        pulled
    }

    async fn pull_pages(&mut self, r: &mut Report, first: Option<Fetched>) -> Result<(), Stop> {
        let mut resynced = false;
        let mut run = match first {
            Some(f) => vec![f],
            None => {
                let cursor = self.blocking(|s| s.cursor()).await.map_err(Stop::Store)?;
                vec![self.fetch(cursor).await]
            }
        };
        // The page after the last run, already asked for.
        let mut ahead: Option<Ahead> = None;
        loop {
            let mut pages = Vec::new();
            let mut anchor = None;
            let mut failed = None;
            for (rtt, pc_at_answer, answer) in run {
                match answer {
                    Ok(page) => {
                        r.online = true;
                        // Half the round trip is the best guess of how
                        // long ago the server read its clock.
                        let half = chrono::Duration::from_std(rtt / 2).unwrap_or_default();
                        anchor = Some(ClockAnchor::new(page.server_time + half, &pc_at_answer));
                        r.params_revision = Some(page.params_revision);
                        self.card_key =
                            Some(format!("{}.{}", page.rate_revision, page.params_revision));
                        r.pulled += page.orders.len();
                        r.removed += page.removed.len();
                        pages.push(page);
                    }
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            if let Some(last) = pages.last() {
                let more = last.more;
                let next = last.cursor.clone();
                r.clock = anchor.clone();
                // Mid-backlog the clock is stored with the last run only:
                // each write of it waits for the disk, and the next run's
                // reading is newer anyway.
                let keep_clock = !more || failed.is_some();
                let write = self.blocking(move |s| {
                    s.apply_pages(&pages)?;
                    match &anchor {
                        Some(a) if keep_clock => s.set_clock_anchor(a),
                        _ => Ok(()),
                    }
                });
                if more && failed.is_none() {
                    // A backlog: fetch the next run while this one is
                    // written (a run whose write fails is fetched again
                    // next round from the stored cursor).
                    let t = Instant::now();
                    let asked = ahead.take();
                    let ((written, write_took), ((fetched, next_ahead), fetch_took)) =
                        tokio::join!(async { (write.await, t.elapsed()) }, async {
                            (self.fetch_run(next, asked).await, t.elapsed())
                        });
                    tracing::debug!(
                        write_ms = write_took.as_millis() as u64,
                        fetch_ms = fetch_took.as_millis() as u64,
                        "sync: backlog run"
                    );
                    written.map_err(Stop::Store)?;
                    run = fetched;
                    ahead = next_ahead;
                    continue;
                }
                write.await.map_err(Stop::Store)?;
            }
            let Some(e) = failed else {
                return Ok(());
            };
            match e.code() {
                Some("view_changed") if !resynced => {
                    // What this user may see changed: drop what they may
                    // no longer see now, not after the resync. The outbox
                    // is untouched.
                    resynced = true;
                    self.blocking(|s| s.drop_view())
                        .await
                        .map_err(Stop::Store)?;
                }
                Some("cursor_expired" | "invalid_cursor") if !resynced => {
                    // The server no longer knows our place: start over,
                    // keeping the list on screen until the resync is done.
                    resynced = true;
                    self.blocking(|s| s.begin_resync())
                        .await
                        .map_err(Stop::Store)?;
                }
                _ => {
                    let why = describe(&e, self.client.lang());
                    return Err(match classify(&e) {
                        Verdict::Login => Stop::Login,
                        Verdict::Offline => Stop::Offline(why),
                        _ => Stop::Retry(self.later(&e, &why), why),
                    });
                }
            }
            // Only a restart from the beginning gets here.
            ahead = None;
            run = vec![self.fetch(None).await];
        }
    }

    /// Pages from `cursor` on, one after another, until one says there is
    /// no more, one fails, or the run holds [`RUN_ORDERS`] orders: a
    /// backlog is then written in a few big transactions rather than one
    /// per page. Each next page is asked for as soon as its cursor is read
    /// off the end of this one ([`crate::api::feed::peek_next`]), so the
    /// hub reads it while this one is decoded; `ahead` is such a request
    /// from the run before, and the run hands on its own last one.
    async fn fetch_run(
        &self,
        cursor: String,
        ahead: Option<Ahead>,
    ) -> (Vec<Fetched>, Option<Ahead>) {
        let mut run: Vec<Fetched> = Vec::new();
        let mut next = Some(cursor);
        let mut ahead = ahead;
        let mut orders = 0;
        while let Some(cursor) = next.take() {
            let (rtt, pc, bytes) = match ahead.take() {
                Some(a) if a.cursor == cursor => a.answer().await,
                _ => self.fetch_bytes(cursor).await,
            };
            if let Ok(b) = &bytes
                && let Some((c, true)) = crate::api::feed::peek_next(b)
            {
                ahead = Some(self.ask_ahead(c));
            }
            let answer = bytes.and_then(|b| decode_feed::<RawChangesPage>(&b));
            match &answer {
                Ok(page) => {
                    orders += page.orders.len() + page.removed.len();
                    if page.more && orders < RUN_ORDERS && run.len() + 1 < RUN_PAGES {
                        next = Some(page.cursor.clone());
                    }
                }
                Err(_) => ahead = None,
            }
            run.push((rtt, pc, answer));
        }
        // Handed on only if it is the page after the run's last.
        let last = match run.last() {
            Some((_, _, Ok(p))) if p.more => Some(p.cursor.clone()),
            _ => None,
        };
        let ahead = ahead.filter(|a| Some(&a.cursor) == last.as_ref());
        (run, ahead)
    }

    /// A request for the page at `cursor`, sent now on a task of its own.
    fn ask_ahead(&self, cursor: String) -> Ahead {
        let client = self.client.clone();
        let limit = self.page_size;
        let pc_clock = self.pc_clock.clone();
        let from = cursor.clone();
        let task = tokio::spawn(async move {
            let sent = Instant::now();
            let bytes = client.changes_bytes(Some(&from), limit).await;
            (sent.elapsed(), pc_clock(), bytes)
        });
        Ahead { cursor, task }
    }

    /// One page's bytes, asked for now.
    async fn fetch_bytes(&self, cursor: String) -> FetchedBytes {
        let sent = Instant::now();
        let bytes = self
            .client
            .changes_bytes(Some(&cursor), self.page_size)
            .await;
        (sent.elapsed(), (self.pc_clock)(), bytes)
    }

    /// One page, with its round trip and this PC's clocks as it arrived
    /// (read then, not when the page is written: a backlog page waits for
    /// the write before it).
    async fn fetch(&self, cursor: Option<String>) -> Fetched {
        self.fetch_waiting(cursor, None).await
    }

    async fn fetch_waiting(&self, cursor: Option<String>, wait: Option<Duration>) -> Fetched {
        let sent = Instant::now();
        let answer = self
            .client
            .changes_waiting(cursor.as_deref(), self.page_size, wait)
            .await;
        // A long poll's round trip includes the hub's wait; only the
        // answer's travel says how old its server time is.
        let rtt = match wait {
            Some(_) => Duration::ZERO,
            None => sent.elapsed(),
        };
        (rtt, (self.pc_clock)(), answer)
    }
}

/// A backlog's run of pages is written in one transaction once it holds
/// this many orders (or [`RUN_PAGES`] pages, whichever comes first). Each
/// commit of a cold sync costs a checkpoint and its waits for the disk,
/// and rewrites every page of the order-number and placed-time indexes it
/// touched (orders come in feed order, not in either): fewer, bigger
/// commits write less. A run is about 25 MB of pages in memory.
const RUN_ORDERS: usize = 20_000;
const RUN_PAGES: usize = 40;

/// A feed page's bytes with its round trip and this PC's clocks as they
/// arrived.
type FetchedBytes = (Duration, PcClock, Result<Vec<u8>, ClientError>);

/// The next page of a backlog, asked for before it is needed; dropping
/// it cancels the request.
struct Ahead {
    cursor: String,
    task: tokio::task::JoinHandle<FetchedBytes>,
}

impl Ahead {
    async fn answer(mut self) -> FetchedBytes {
        match (&mut self.task).await {
            Ok(answer) => answer,
            Err(e) => (
                Duration::ZERO,
                super::pc_clock::now(),
                Err(ClientError::Unreachable(e.to_string())),
            ),
        }
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A feed page with its round trip and this PC's clocks as it arrived.
type Fetched = (
    Duration,
    PcClock,
    Result<crate::api::feed::RawChangesPage, ClientError>,
);

/// What a long poll ([`Engine::listen`]) heard: a page, or why not.
pub struct Heard {
    took: Duration,
    fetched: Fetched,
}

impl Heard {
    /// An empty answer that came back at once: the hub did not hold the
    /// poll (it does not know `wait=`), so the caller falls back to its
    /// poll interval instead of asking again straight away.
    pub fn not_held(&self) -> bool {
        let empty = matches!(&self.fetched.2, Ok(p) if p.orders.is_empty() && p.removed.is_empty());
        empty && self.took < Duration::from_millis(900)
    }
}

enum Verdict {
    /// The server decided: show it, never resend.
    Final,
    /// Log in again, then resume.
    Login,
    /// No answer at all.
    Offline,
    /// Outcome unknown or server busy: resend later with the same key.
    Later,
}

fn classify(e: &ClientError) -> Verdict {
    match e {
        ClientError::Unreachable(_) => Verdict::Offline,
        // A 2xx we could not read: it may have been applied; only the same
        // key can tell.
        ClientError::Decode(_) => Verdict::Later,
        ClientError::Http { status: 401, .. } => Verdict::Login,
        ClientError::Http { status, .. } if is_transient(*status) => Verdict::Later,
        ClientError::Http { .. } => Verdict::Final,
    }
}

fn describe(e: &ClientError, lang: crate::i18n::Lang) -> String {
    tracing::debug!("sync: {e}");
    e.user_message(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_cap_and_honours_retry_after() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        for _ in 0..20 {
            assert!(b.next(None) <= Duration::from_secs(2));
        }
        assert!(b.next(Some(Duration::from_secs(5))) >= Duration::from_secs(5));
        b.reset();
        assert!(b.next(None) <= Duration::from_millis(100));
    }
}
