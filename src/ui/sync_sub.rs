//! The sync engine as an iced subscription: it runs on the executor's
//! threads with its own cache connection and reports each round
//! (`sync::runner`: a long poll between rounds).

use std::hash::{Hash, Hasher};
use std::time::Duration;

use iced::Subscription;
use iced::futures::SinkExt;
use tokio::sync::mpsc;

use crate::store::Store;
use crate::sync::HubClient;
use crate::sync::engine::{Engine, Report};

pub use crate::sync::runner::Command;

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
            let (tx, rx) = mpsc::unbounded_channel();
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
            let engine = Engine::new(key.client.clone(), store, key.page_size);
            crate::sync::runner::run(engine, key.interval, rx, |report| {
                let mut out = out.clone();
                async move { out.send(Event::Report(report)).await.is_ok() }
            })
            .await;
        })
    })
}
