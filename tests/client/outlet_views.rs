//! Issue 11: a change to the network answers a branch clerk's feed with
//! `view_changed` (a full resync) only when it changes what they may see.
//! A new empty outlet, or an empty outlet moved into their subtree, keeps
//! their cursor. An outlet with orders moved in does not, and its orders
//! then reach the cache.

use crate::common;

use common::sync::{cache, client};
use common::{Engine as Db, TestHub, inbound};
use outlet_desk::sync::engine::Engine;
use serde_json::json;

on_both_engines!(only_a_change_of_what_a_clerk_may_see_answers_view_changed);

const PW: &str = "pass-word-1";

async fn add_outlet(h: &TestHub, code: &str, kind: &str, parent: &str) {
    let t = h.admin().await;
    let body = json!({"code": code, "name": format!("网点{code}"), "kind": kind, "parent_code": parent,
        "city": format!("城{code}"), "accepts_ali_orders": true, "active": true});
    let (s, v) = h.post("/api/v1/outlets", &t, body).await;
    assert_eq!(s, 201, "{v}");
}

/// The answer to `token`'s feed from `cursor`: status and error code.
async fn poll(h: &TestHub, token: &str, cursor: &str) -> (u16, Option<String>) {
    let (s, v) = h
        .get(&format!("/api/v1/orders/changes?cursor={cursor}"), token)
        .await;
    (s, v["error"]["code"].as_str().map(str::to_owned))
}

async fn only_a_change_of_what_a_clerk_may_see_answers_view_changed(db: Db) {
    let Some(h) = TestHub::start_on(db, false, |_| {}).await else {
        return;
    };
    for (code, kind, parent) in [
        ("A", "branch", "HQ"),
        ("A1", "office", "A"),
        ("B", "branch", "HQ"),
        ("B1", "office", "B"),
    ] {
        add_outlet(&h, code, kind, parent).await;
    }
    let t = h.admin().await;
    let body = json!({"login": "clerk.a", "name": "clerk.a", "outlet_code": "A", "role": "clerk",
        "phone": "", "active": true, "password": PW});
    let (s, v) = h.post("/api/v1/staff", &t, body).await;
    assert_eq!(s, 201, "{v}");
    for (no, at) in [("o-A1", "A1"), ("o-B1", "B1")] {
        let (s, v) = h
            .inbound(inbound(no, &format!("acct-{no}"), "无网点之城", Some(at)))
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let clerk = h.login("clerk.a", PW).await;
    let (_dir, store) = cache();
    let mut engine = Engine::new(
        client(&h, &h.hub.url(), "clerk.a", PW).await,
        store.clone(),
        100,
    );
    let r = engine.sync_once().await;
    assert_eq!((r.error.clone(), r.pulled), (None, 1), "{r:?}");

    // A new empty outlet under A, and an empty one moved in from B: the
    // clerk sees the same orders, so the cursor holds and nothing is
    // fetched again.
    let (_, _, head) = h.feed(&clerk, None).await;
    add_outlet(&h, "A2", "office", "A").await;
    add_outlet(&h, "B2", "office", "B").await;
    h.move_outlet(&t, "B2", "A").await;
    assert_eq!(poll(&h, &clerk, &head).await, (200, None));
    let r = engine.sync_once().await;
    assert_eq!((r.error.clone(), r.pulled), (None, 0), "{r:?}");
    assert!(store.order("o-A1").unwrap().is_some());

    // An outlet that had an order, moved under A: that order comes into
    // view, so the clerk starts over and gets it.
    h.move_outlet(&t, "B1", "A").await;
    assert_eq!(
        poll(&h, &clerk, &head).await,
        (410, Some("view_changed".to_owned()))
    );
    let r = engine.sync_once().await;
    assert_eq!(r.error, None, "{r:?}");
    assert!(store.order("o-B1").unwrap().is_some());
    assert!(store.order("o-A1").unwrap().is_some());

    // And moved away again: it leaves the clerk's cache.
    let (_, _, head) = h.feed(&clerk, None).await;
    h.move_outlet(&t, "B1", "B").await;
    assert_eq!(
        poll(&h, &clerk, &head).await,
        (410, Some("view_changed".to_owned()))
    );
    let r = engine.sync_once().await;
    assert_eq!(r.error, None, "{r:?}");
    assert!(store.order("o-B1").unwrap().is_none());
    assert!(store.order("o-A1").unwrap().is_some());
}
