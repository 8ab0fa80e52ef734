//! The engine's loop for one logged-in user: a round, then a long poll at
//! the head of the feed (`wait=`), so a change in view arrives at once
//! with no polling; a user's action (`SyncNow`) ends the wait at once.
//! Without a hub that holds the poll, or after a failure, it waits its
//! interval (or the backoff) instead.

use std::time::Duration;

use tokio::sync::mpsc;

use super::HubClient;
use super::engine::{Engine, Heard, Report};

/// How long one long poll asks the hub to hold (API.md allows 1..30; the
/// client's own timeout adds a margin on top).
pub const LONG_POLL: Duration = Duration::from_secs(25);

/// What the app can tell the running engine.
#[derive(Debug, Clone)]
pub enum Command {
    /// Sync now (an action was queued, or 立即同步).
    SyncNow,
    /// A new login: use this client.
    Client(HubClient),
    /// The poll interval and page size changed (parameters).
    Tune(Duration, i64),
}

/// How the next round starts.
enum Next {
    /// At once, with what a long poll heard.
    Heard(Heard),
    /// At once (a command).
    Now,
    /// The command channel closed: stop.
    Stop,
}

/// A round that wrote this many orders was a backlog: the memory its
/// pages held is given back once it is reported.
const BACKLOG: usize = 1000;

/// Runs rounds until `commands` closes or `report` returns false (nobody
/// listens any more). `interval` is the poll interval used when the hub
/// does not hold a long poll.
pub async fn run<F, Fut>(
    mut engine: Engine,
    mut interval: Duration,
    mut commands: mpsc::UnboundedReceiver<Command>,
    mut report: F,
) where
    F: FnMut(Report) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut heard: Option<Heard> = None;
    let mut long_poll = true;
    loop {
        let r = engine.sync_after(heard.take()).await;
        let retry = r.retry_in;
        let paused = r.need_login;
        let backlog = r.pulled + r.removed >= BACKLOG;
        if !report(r).await {
            return;
        }
        if backlog {
            // Its pages are written and dropped.
            crate::memory::give_back();
        }
        let next = if paused {
            // While the token is refused, wait for a new one instead of
            // hammering the server.
            wait(
                &mut engine,
                Duration::from_secs(3600),
                &mut interval,
                &mut commands,
                true,
            )
            .await
        } else if let Some(d) = retry {
            wait(&mut engine, d, &mut interval, &mut commands, false).await
        } else if long_poll {
            listen(&mut engine, &mut interval, &mut commands).await
        } else {
            wait(&mut engine, interval, &mut interval, &mut commands, false).await
        };
        match next {
            Next::Stop => return,
            Next::Now => {}
            Next::Heard(h) => {
                // A hub that answers an empty poll at once does not hold
                // it: poll at the interval from now on (this session).
                long_poll = !h.not_held();
                heard = Some(h);
            }
        }
    }
}

/// One command while waiting: whether it ends the wait (None = stop).
fn command(
    engine: &mut Engine,
    interval: &mut Duration,
    cmd: Option<Command>,
    paused: bool,
) -> Option<bool> {
    match cmd? {
        Command::SyncNow => Some(!paused),
        Command::Client(c) => {
            engine.set_client(c);
            Some(true)
        }
        Command::Tune(i, n) => {
            *interval = i;
            engine.set_page_size(n);
            Some(false)
        }
    }
}

/// Waits `d` or until a command ends the wait.
async fn wait(
    engine: &mut Engine,
    d: Duration,
    interval: &mut Duration,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    paused: bool,
) -> Next {
    let timer = tokio::time::sleep(d);
    tokio::pin!(timer);
    loop {
        tokio::select! {
            _ = &mut timer => return Next::Now,
            cmd = commands.recv() => match command(engine, interval, cmd, paused) {
                None => return Next::Stop,
                Some(true) => return Next::Now,
                Some(false) => {}
            },
        }
    }
}

/// A long poll at the head, ended early by a command (the request is
/// dropped; nothing was written).
async fn listen(
    engine: &mut Engine,
    interval: &mut Duration,
    commands: &mut mpsc::UnboundedReceiver<Command>,
) -> Next {
    loop {
        let got = tokio::select! {
            h = engine.listen(LONG_POLL) => Ok(h),
            cmd = commands.recv() => Err(cmd),
        };
        match got {
            Ok(h) => return Next::Heard(h),
            Err(cmd) => match command(engine, interval, cmd, false) {
                None => return Next::Stop,
                Some(true) => return Next::Now,
                // A new page size: ask again with it.
                Some(false) => {}
            },
        }
    }
}
