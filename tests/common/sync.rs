//! What the sync tests share: a client logged in straight at the hub but
//! talking through another address (a fault-injecting proxy), a fresh
//! cache, and driving the engine round by round.

use outlet_desk::i18n::Lang;
use outlet_desk::store::Store;
use outlet_desk::sync::HubClient;
use outlet_desk::sync::engine::{Engine, Report};

use super::TestHub;

/// A client of `base` logged in as `login` (the login itself goes
/// straight to the hub, so proxy counts only show the engine's traffic).
pub async fn client(h: &TestHub, base: &str, login: &str, pw: &str) -> HubClient {
    let direct = HubClient::new(&h.hub.url(), Lang::default()).expect("client");
    let s = direct.login(login, pw).await.expect("login");
    HubClient::new(base, Lang::default())
        .expect("client")
        .with_token(Some(s.token))
}

/// A fresh cache in its own temp dir.
pub fn cache() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, problem) = Store::open(&dir.path().join("cache.db")).expect("cache opens");
    assert!(problem.is_none());
    (dir, store)
}

/// Rounds until the outbox is empty and a round ends cleanly (or login is
/// needed), sleeping `retry_in` between rounds; at most `max` rounds.
pub async fn until_idle(engine: &mut Engine, max: usize) -> Vec<Report> {
    let mut reports = Vec::new();
    for _ in 0..max {
        let r = engine.sync_once().await;
        reports.push(r.clone());
        if r.need_login || (r.error.is_none() && r.pending == 0) {
            return reports;
        }
        if let Some(d) = r.retry_in {
            tokio::time::sleep(d).await;
        }
    }
    panic!("not idle after {max} rounds: {reports:#?}");
}

/// Waits as long as a round asked before the next one.
pub async fn pause(r: &Report) {
    if let Some(d) = r.retry_in {
        tokio::time::sleep(d).await;
    }
}

/// The hub's history of an order: action names, oldest first.
pub async fn history(h: &TestHub, order_no: &str) -> Vec<String> {
    let t = h.admin().await;
    let (s, v) = h
        .get(&format!("/api/v1/orders/{order_no}/events"), &t)
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array()
        .expect("events")
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .collect()
}
