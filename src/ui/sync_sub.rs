//! The sync engine as an iced subscription: it runs on the executor's
//! threads with its own cache connection and reports each round.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use iced::Subscription;
use iced::futures::SinkExt;
use tokio::sync::mpsc;

use crate::store::Store;
use crate::sync::HubClient;
use crate::sync::engine::{Engine, Report};

/// What the app can tell the running engine.
#[derive(Debug, Clone)]
pub enum Command {
    /// Sync now (after an action, or 立即同步).
    SyncNow,
    /// A new login: use this client.
    Client(HubClient),
    /// The poll interval and page size changed (parameters).
    Tune(Duration, i64),
}

/// What the engine tells the app.
#[derive(Debug, Clone)]
pub enum Event {
    /// The engine is running; commands go here.
    Ready(mpsc::UnboundedSender<Command>),
    /// A round finished.
    Report(Report),
}

/// Identifies one engine: a new session starts a new one.
#[derive(Debug, Clone)]
pub struct Key {
    pub session: u64,
    pub client: HubClient,
    pub store: Store,
    pub interval: Duration,
    pub page_size: i64,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.session.hash(state);
        self.client.base().hash(state);
    }
}

/// The running sync engine for `key`.
pub fn subscription(key: Key) -> Subscription<Event> {
    Subscription::run_with(key, |key| {
        let key = key.clone();
        iced::stream::channel(16, async move |mut out| {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let _ = out.send(Event::Ready(tx)).await;
            let store = match key.store.second_connection() {
                Ok(s) => s,
                Err(e) => {
                    let _ = out
                        .send(Event::Report(Report {
                            error: Some(e.user_message(key.client.lang())),
                            ..Report::default()
                        }))
                        .await;
                    return;
                }
            };
            let mut engine = Engine::new(key.client.clone(), store, key.page_size);
            let mut interval = key.interval;
            loop {
                let report = engine.sync_once().await;
                let wait = report.retry_in.unwrap_or(interval);
                let paused = report.need_login;
                if out.send(Event::Report(report)).await.is_err() {
                    return;
                }
                // While the token is refused, wait for a new one instead
                // of hammering the server.
                let timer = tokio::time::sleep(if paused {
                    Duration::from_secs(3600)
                } else {
                    wait
                });
                tokio::pin!(timer);
                loop {
                    tokio::select! {
                        _ = &mut timer => break,
                        cmd = rx.recv() => match cmd {
                            None => return,
                            Some(Command::SyncNow) if !paused => break,
                            Some(Command::SyncNow) => {}
                            Some(Command::Client(c)) => {
                                engine.set_client(c);
                                break;
                            }
                            Some(Command::Tune(i, n)) => {
                                interval = i;
                                engine.set_page_size(n);
                            }
                        },
                    }
                }
            }
        })
    })
}
