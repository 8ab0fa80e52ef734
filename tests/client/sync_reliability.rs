//! RELIABILITY.md's scenarios, each against a real order-hub on loopback,
//! through a fault-injecting proxy, with a real SQLite cache in a temp
//! dir, driving the sync engine round by round.

use crate::common;
use crate::proxy;

use std::time::{Duration, Instant};

use common::sync::{cache, client, history, pause, until_idle};
use common::{ADMIN_PW, Engine as Db, TestHub, inbound};
use outlet_desk::domain::{Action, Status};
use outlet_desk::store::{ListFilter, OutboxState, PageQuery, SortOrder, Store};
use outlet_desk::sync::engine::{Engine, Report};
use outlet_desk::sync::runner::{self, Command};
use proxy::{Fault, Proxy};
use serde_json::{Value, json};

on_both_engines!(
    s01_push_500_three_times_then_200_applies_once,
    s02_reply_lost_after_commit_is_replayed_not_reapplied,
    s03_same_action_twice_at_once_has_one_effect,
    s04_same_key_other_body_is_rejected_and_not_retried,
    s10_later_accept_loses_and_its_follow_up_waits,
    s10b_refusal_for_an_order_that_left_the_view_stays_until_read,
    s10c_a_queued_action_keeps_its_order_until_its_answer_is_read,
    s09b_a_view_change_drops_what_left_the_view_at_once,
    s11_stale_if_match_returns_the_server_record,
    s14_token_expiry_mid_queue_resumes_in_order,
    s17_days_offline_then_every_action_applied_once,
    long_poll_brings_a_new_order_at_once,
    action_queued_during_a_long_poll_is_sent_at_once;
    // The test proxy cuts or garbles a page: the client's side of it.
    sqlite_only:
    s08_connection_dropped_mid_page_writes_nothing_partial,
    s09_bad_page_is_refused_and_cache_stays_usable,
);

const PW: &str = "pass-word-1";
const ACTIONS: &str = "/actions";
const CHANGES: &str = "/orders/changes";

/// HQ; branch A with office A1; branch B. `clerk.a` works at A (sees A and
/// A1), `clerk.a1` at A1. Each call logs in afresh, so hubs with a short
/// token lifetime can be set up too.
async fn network(h: &TestHub) {
    for (code, kind, parent) in [
        ("A", "branch", "HQ"),
        ("A1", "office", "A"),
        ("B", "branch", "HQ"),
    ] {
        let t = h.admin().await;
        let body = json!({"code": code, "name": format!("网点{code}"), "kind": kind, "parent_code": parent,
            "city": format!("城{code}"), "accepts_ali_orders": true, "active": true});
        let (s, v) = h.post("/api/v1/outlets", &t, body).await;
        assert_eq!(s, 201, "{v}");
    }
    for (login, outlet) in [("clerk.a", "A"), ("clerk.a1", "A1")] {
        let t = h.admin().await;
        let body = json!({"login": login, "name": login, "outlet_code": outlet, "role": "clerk",
            "phone": "", "active": true, "password": PW});
        let (s, v) = h.post("/api/v1/staff", &t, body).await;
        assert_eq!(s, 201, "{v}");
    }
}

/// Orders `nos`, placed at `outlet` by Alibaba.
async fn orders_at(h: &TestHub, outlet: &str, nos: &[&str]) {
    for no in nos {
        let (s, v) = h
            .inbound(inbound(
                no,
                &format!("acct-{no}"),
                "无网点之城",
                Some(outlet),
            ))
            .await;
        assert_eq!(s, 201, "{v}");
    }
}

/// A hub on `db` with the network and orders `nos` at A1 (`None` where
/// this machine cannot run `db`).
async fn hub_with(db: Db, nos: &[&str]) -> Option<TestHub> {
    let h = TestHub::start_on(db, false, |_| {}).await?;
    network(&h).await;
    orders_at(&h, "A1", nos).await;
    Some(h)
}

/// The usual scenario: a hub with the network and orders `nos` at A1, a
/// fault-injecting proxy before it, a fresh cache, and clerk.a1's engine
/// through the proxy.
struct Rig {
    h: TestHub,
    p: Proxy,
    _dir: tempfile::TempDir,
    store: Store,
    engine: Engine,
}

async fn rig(db: Db, nos: &[&str]) -> Option<Rig> {
    let h = hub_with(db, nos).await?;
    let p = Proxy::start(&h.hub.url()).await;
    let (_dir, store) = cache();
    let engine = Engine::new(
        client(&h, &p.url(), "clerk.a1", PW).await,
        store.clone(),
        100,
    );
    Some(Rig {
        h,
        p,
        _dir,
        store,
        engine,
    })
}

fn accept(weight_g: i64) -> Action {
    Action::Accept {
        weight_g,
        volume_cm3: 0,
        pickup_required: false,
        pickup_time: None,
    }
}

fn pickup_failed() -> Action {
    Action::PickupFailed {
        reason_code: "customer_cancelled".into(),
        note: "改天".into(),
    }
}

fn count(list: &[String], action: &str) -> usize {
    list.iter().filter(|a| *a == action).count()
}

/// The hub's copy of an order, as admin sees it.
async fn hub_order(h: &TestHub, order_no: &str) -> Value {
    let t = h.admin().await;
    let (s, v) = h.get(&format!("/api/v1/orders/{order_no}"), &t).await;
    assert_eq!(s, 200, "{v}");
    v
}

fn all() -> PageQuery {
    PageQuery {
        filter: ListFilter::All,
        status: None,
        sort: SortOrder::OldestFirst,
        offset: 0,
        limit: 10_000,
    }
}

/// Order numbers in the cache.
fn cached(store: &Store) -> Vec<String> {
    let (rows, total) = store.page(&all()).expect("cache readable");
    assert_eq!(rows.len() as i64, total);
    let mut v: Vec<String> = rows.into_iter().map(|r| r.order.order_no).collect();
    v.sort();
    v
}

fn states(store: &Store) -> Vec<(String, String)> {
    store
        .outbox_states()
        .expect("outbox")
        .into_iter()
        .map(|(no, state, _)| (no, state))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// Scenario 1: Push gets 500 three times, then 200: applied once.
async fn s01_push_500_three_times_then_200_applies_once(db: Db) {
    let Some(Rig {
        h,
        p,
        _dir,
        store,
        mut engine,
    }) = rig(db, &["o-1"]).await
    else {
        return;
    };
    let key = store.enqueue("o-1", &accept(1000)).unwrap();
    for _ in 0..3 {
        p.push_for(ACTIONS, Fault::Status500);
    }
    let reports = until_idle(&mut engine, 8).await;
    assert_eq!(
        reports.len(),
        4,
        "three refused rounds, then success: {reports:#?}"
    );
    for r in &reports[..3] {
        assert!(r.error.is_some() && r.retry_in.is_some(), "{r:?}");
        assert_eq!((r.pushed, r.pending), (0, 1));
    }
    assert_eq!(
        reports[0].pulled, 1,
        "the list still fills while an action waits for the server"
    );
    assert_eq!(reports[3].pushed, 1);
    let sent = p.seen_for(ACTIONS);
    assert_eq!(sent.len(), 4);
    assert!(
        sent.iter().all(|s| s.key.as_deref() == Some(key.as_str())),
        "same key on every try"
    );
    assert_eq!(count(&history(&h, "o-1").await, "accept"), 1);
    assert_eq!(states(&store), pairs(&[("o-1", "applied")]));
    let row = store.order("o-1").unwrap().expect("cached");
    assert_eq!(
        (row.order.status, row.outbox),
        (Status::Accepted, OutboxState::Synced)
    );
}

/// Scenario 2: The server commits, then the connection is cut before the reply: the
/// retry gets the first answer; applied once.
async fn s02_reply_lost_after_commit_is_replayed_not_reapplied(db: Db) {
    let Some(Rig {
        h,
        p,
        _dir,
        store,
        mut engine,
    }) = rig(db, &["o-1"]).await
    else {
        return;
    };
    let key = store.enqueue("o-1", &accept(1000)).unwrap();
    p.push_for(ACTIONS, Fault::CutAfterForward);
    let r = engine.sync_once().await;
    assert!(
        !r.online && r.error.is_some() && r.retry_in.is_some(),
        "{r:?}"
    );
    assert_eq!((r.pushed, r.pending), (0, 1));
    // The server did apply it; the client cannot know yet.
    assert_eq!(count(&history(&h, "o-1").await, "accept"), 1);
    assert_eq!(states(&store), pairs(&[("o-1", "queued")]));
    let first = hub_order(&h, "o-1").await;

    pause(&r).await;
    let reports = until_idle(&mut engine, 5).await;
    assert_eq!(reports.iter().map(|r| r.pushed).sum::<usize>(), 1);
    let sent = p.seen_for(ACTIONS);
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|s| s.key.as_deref() == Some(key.as_str())));
    assert_eq!(
        count(&history(&h, "o-1").await, "accept"),
        1,
        "applied once"
    );
    assert_eq!(states(&store), pairs(&[("o-1", "applied")]));
    // The cache holds the first answer: same version the first try made.
    let row = store.order("o-1").unwrap().expect("cached");
    assert_eq!(row.order.status, Status::Accepted);
    assert_eq!(row.order.version, first["version"].as_i64().unwrap());
    assert_eq!(
        hub_order(&h, "o-1").await,
        first,
        "the retry changed nothing"
    );
}

/// Scenario 3: The same action sent twice at once (two sync engines on one cache
/// pick up the same outbox entry): one effect.
async fn s03_same_action_twice_at_once_has_one_effect(db: Db) {
    let Some(h) = hub_with(db, &["o-1"]).await else {
        return;
    };
    let p = Proxy::start(&h.hub.url()).await;
    let (_d, store) = cache();
    let c = client(&h, &p.url(), "clerk.a1", PW).await;
    let mut e1 = Engine::new(c.clone(), store.clone(), 100);
    let mut e2 = Engine::new(c, store.second_connection().unwrap(), 100);
    let key = store.enqueue("o-1", &accept(1000)).unwrap();
    // Both requests are held so they reach the hub together.
    p.push_for(ACTIONS, Fault::Delay(Duration::from_millis(300)));
    p.push_for(ACTIONS, Fault::Delay(Duration::from_millis(300)));
    let (r1, r2) = tokio::join!(e1.sync_once(), e2.sync_once());
    let sent = p.seen_for(ACTIONS);
    assert_eq!(sent.len(), 2, "both engines sent it: {r1:?} {r2:?}");
    assert!(sent.iter().all(|s| s.key.as_deref() == Some(key.as_str())));
    assert!(
        sent[1].at.duration_since(sent[0].at) < Duration::from_millis(300),
        "sent at once"
    );
    assert_eq!((r1.pushed, r2.pushed), (1, 1), "both got the one answer");
    assert!(r1.error.is_none() && r2.error.is_none());
    let events = history(&h, "o-1").await;
    assert_eq!(events, ["created", "accept"], "one effect");
    assert_eq!(states(&store), pairs(&[("o-1", "applied")]));
}

/// Scenario 4: Same key, different body: 422, marked rejected, not retried.
async fn s04_same_key_other_body_is_rejected_and_not_retried(db: Db) {
    let Some(Rig {
        h,
        p,
        _dir,
        store,
        mut engine,
    }) = rig(db, &["o-1"]).await
    else {
        return;
    };
    let key = store.enqueue("o-1", &accept(1000)).unwrap();
    // Someone used the outbox's key first with another body.
    let t = h.login("clerk.a1", PW).await;
    let (s, v) = h
        .act(&t, "o-1", &key, json!({"action": "accept", "weight_g": 2000, "volume_cm3": 0, "pickup_required": false}))
        .await;
    assert_eq!(s, 200, "{v}");

    let r = engine.sync_once().await;
    assert_eq!((r.pushed, r.rejected, r.pending), (0, 1, 0), "{r:?}");
    assert!(
        r.retry_in.is_none() && r.error.is_none(),
        "a verdict, not a fault: {r:?}"
    );
    let out = store.outbox_states().unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].0.as_str(), out[0].1.as_str()), ("o-1", "rejected"));
    assert!(
        out[0].2.as_deref().is_some_and(|e| !e.is_empty()),
        "a reason is kept: {out:?}"
    );
    assert!(matches!(
        store.order("o-1").unwrap().expect("cached").outbox,
        OutboxState::Rejected(_)
    ));
    for _ in 0..3 {
        let r = engine.sync_once().await;
        assert_eq!((r.pushed, r.rejected, r.pending), (0, 0, 0), "{r:?}");
    }
    assert_eq!(p.count(ACTIONS), 1, "never sent again");
    assert_eq!(count(&history(&h, "o-1").await, "accept"), 1);
    assert_eq!(
        hub_order(&h, "o-1").await["cargo"]["weight_g"],
        2000,
        "the first body stands"
    );
}

/// Scenario 8: Connection dropped mid-page: nothing partial written, cursor
/// unchanged; the next round completes.
async fn s08_connection_dropped_mid_page_writes_nothing_partial(db: Db) {
    let Some(h) = hub_with(db, &["o-1", "o-2", "o-3"]).await else {
        return;
    };
    let p = Proxy::start(&h.hub.url()).await;
    let (_d, store) = cache();
    let c = client(&h, &p.url(), "clerk.a1", PW).await;
    let mut engine = Engine::new(c, store.clone(), 2);
    let r = engine.sync_once().await;
    assert_eq!((r.pulled, r.error.as_deref()), (3, None));
    let c1 = store.cursor().unwrap().expect("cursor");
    orders_at(&h, "A1", &["o-4", "o-5", "o-6", "o-7", "o-8"]).await;

    // The first page is cut halfway.
    p.push_for(CHANGES, Fault::HalfResponse);
    let before = p.count(CHANGES);
    let r = engine.sync_once().await;
    assert!(
        !r.online && r.error.is_some() && r.retry_in.is_some(),
        "{r:?}"
    );
    assert_eq!(p.count(CHANGES), before + 1);
    assert_eq!(
        store.cursor().unwrap().as_deref(),
        Some(c1.as_str()),
        "cursor unchanged"
    );
    assert_eq!(
        cached(&store),
        ["o-1", "o-2", "o-3"],
        "nothing of the cut page"
    );
    pause(&r).await;

    // The first page arrives, the second is cut: exactly one page (its rows
    // and its cursor) is written.
    let t = h.login("clerk.a1", PW).await;
    let (s, page1) = h
        .get(&format!("/api/v1/orders/changes?limit=2&cursor={c1}"), &t)
        .await;
    assert_eq!(s, 200);
    p.push_for(CHANGES, Fault::Pass);
    p.push_for(CHANGES, Fault::HalfResponse);
    let r = engine.sync_once().await;
    assert!(r.error.is_some(), "{r:?}");
    assert_eq!(store.cursor().unwrap().as_deref(), page1["cursor"].as_str());
    assert_eq!(cached(&store), ["o-1", "o-2", "o-3", "o-4", "o-5"]);

    pause(&r).await;
    let reports = until_idle(&mut engine, 5).await;
    assert!(reports.last().unwrap().error.is_none());
    assert_eq!(
        cached(&store),
        ["o-1", "o-2", "o-3", "o-4", "o-5", "o-6", "o-7", "o-8"]
    );
    let (_, _, hub_cursor) = h.feed(&t, Some(page1["cursor"].as_str().unwrap())).await;
    assert_eq!(
        store.cursor().unwrap(),
        Some(hub_cursor),
        "caught up with the feed"
    );
}

/// Scenario 9: Malformed JSON or an unknown enum value in a page: page refused,
/// cursor kept, sync error reported, cached data still usable.
async fn s09_bad_page_is_refused_and_cache_stays_usable(db: Db) {
    let Some(Rig {
        h,
        p,
        _dir,
        store,
        mut engine,
    }) = rig(db, &["o-1", "o-2"]).await
    else {
        return;
    };
    let r = engine.sync_once().await;
    assert_eq!((r.pulled, r.error.as_deref()), (2, None));
    let c1 = store.cursor().unwrap().expect("cursor");
    orders_at(&h, "A1", &["o-3"]).await;

    // The real next page, with a status this client does not know.
    let t = h.login("clerk.a1", PW).await;
    let (s, mut page) = h
        .get(&format!("/api/v1/orders/changes?limit=100&cursor={c1}"), &t)
        .await;
    assert_eq!(s, 200);
    assert_eq!(page["orders"][0]["order_no"], "o-3");
    page["orders"][0]["status"] = json!("teleported");
    let unknown_enum = serde_json::to_vec(&page).unwrap();
    let malformed = br#"{"orders":[{"order_no":"o-3","status":"pend"#.to_vec();

    for body in [unknown_enum, malformed] {
        p.push_for(CHANGES, Fault::ReplaceBody(body));
        let r = engine.sync_once().await;
        assert!(
            r.error.is_some() && r.retry_in.is_some(),
            "sync error shown: {r:?}"
        );
        assert_eq!(r.pulled, 0);
        assert_eq!(
            store.cursor().unwrap().as_deref(),
            Some(c1.as_str()),
            "cursor kept"
        );
        assert_eq!(cached(&store), ["o-1", "o-2"], "cached data still readable");
        let row = store.order("o-1").unwrap().expect("cached order readable");
        assert_eq!(row.order.status, Status::Pending);
        assert!(
            store.order("o-3").unwrap().is_none(),
            "nothing of the refused page"
        );
        pause(&r).await;
    }
    let reports = until_idle(&mut engine, 5).await;
    assert!(reports.last().unwrap().error.is_none());
    assert_eq!(cached(&store), ["o-1", "o-2", "o-3"]);
    assert_eq!(
        store.order("o-3").unwrap().unwrap().order.status,
        Status::Pending
    );
}

/// Scenario 10: Two outlets accept the same order, one offline: the later one is
/// rejected showing who accepted; its queued follow-up waits for the clerk.
async fn s10_later_accept_loses_and_its_follow_up_waits(db: Db) {
    let Some(h) = hub_with(db, &["o-1"]).await else {
        return;
    };
    let p = Proxy::start(&h.hub.url()).await;
    let (_da, store_a) = cache();
    let (_da1, store_a1) = cache();
    let mut branch = Engine::new(
        client(&h, &p.url(), "clerk.a", PW).await,
        store_a.clone(),
        100,
    );
    let mut office = Engine::new(
        client(&h, &h.hub.url(), "clerk.a1", PW).await,
        store_a1.clone(),
        100,
    );
    assert_eq!(branch.sync_once().await.pulled, 1);
    assert_eq!(office.sync_once().await.pulled, 1);

    // Branch A is offline: it accepts and already records a failed pickup.
    p.set_offline(true);
    store_a.enqueue("o-1", &accept(1000)).unwrap();
    store_a.enqueue("o-1", &pickup_failed()).unwrap();
    let r = branch.sync_once().await;
    assert!(!r.online && r.pending == 2, "{r:?}");
    // Office A1 accepts meanwhile.
    store_a1.enqueue("o-1", &accept(3000)).unwrap();
    assert_eq!(until_idle(&mut office, 3).await.last().unwrap().pushed, 1);

    p.set_offline(false);
    let offline_tries = p.count(ACTIONS);
    let r = branch.sync_once().await;
    assert_eq!((r.pushed, r.rejected, r.pending), (0, 1, 1), "{r:?}");
    let out = store_a.outbox_states().unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].1, "rejected");
    let why = out[0].2.clone().unwrap_or_default();
    assert!(
        why.contains("clerk.a1"),
        "the loser sees who accepted: {why}"
    );
    assert_eq!(
        (out[1].1.as_str(), out[1].2.as_deref()),
        ("queued", None),
        "the follow-up waits"
    );
    let row = store_a.order("o-1").unwrap().expect("cached");
    assert_eq!(row.outbox, OutboxState::Rejected(why.clone()));
    assert_eq!(row.order.status, Status::Accepted);
    assert_eq!(row.order.accepting_outlet_code.as_deref(), Some("A1"));
    for _ in 0..2 {
        let r = branch.sync_once().await;
        assert_eq!((r.pushed, r.rejected, r.pending), (0, 0, 1), "{r:?}");
    }
    assert_eq!(
        p.count(ACTIONS),
        offline_tries + 1,
        "only the accept was ever sent"
    );
    let events = history(&h, "o-1").await;
    assert_eq!(events, ["created", "accept"]);
    assert_eq!(hub_order(&h, "o-1").await["accepting_outlet_code"], "A1");
    // The clerk's pending list still shows the order, now accepted by A1,
    // until the refusal is read.
    let pending = |offset| PageQuery {
        status: Some(Status::Pending),
        offset,
        limit: 50,
        ..all()
    };
    let listed = |q: PageQuery| -> Vec<String> {
        let (rows, _) = store_a.page(&q).expect("page");
        rows.into_iter().map(|r| r.order.order_no).collect()
    };
    assert_eq!(listed(pending(0)), ["o-1"], "pinned on page one");
    assert!(listed(pending(50)).is_empty(), "and only there");

    // The clerk reads the refusal: the follow-up is dropped, never sent.
    store_a.dismiss_rejection("o-1").unwrap();
    assert_eq!(
        states(&store_a),
        pairs(&[("o-1", "dismissed"), ("o-1", "discarded")])
    );
    assert!(listed(pending(0)).is_empty(), "read, so gone from pending");
    let r = branch.sync_once().await;
    assert_eq!((r.pushed, r.pending, r.error.as_deref()), (0, 0, None));
    assert_eq!(p.count(ACTIONS), offline_tries + 1);
    assert_eq!(history(&h, "o-1").await, ["created", "accept"]);
}

/// The branch clerk returns `order_no` to the HQ pool: it leaves the
/// office's view.
async fn returned_to_the_pool(h: &TestHub, order_no: &str) {
    let branch = h.login("clerk.a", PW).await;
    let (s, v) = h
        .act(
            &branch,
            order_no,
            &format!("ret-{order_no}"),
            json!({"action": "return", "reason_code": "unreachable", "note": ""}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
}

/// Office A1's clerk, through a fault proxy, with order o-1 pulled.
async fn office_holding_o1(db: Db) -> Option<(TestHub, Proxy, tempfile::TempDir, Store, Engine)> {
    let h = hub_with(db, &["o-1"]).await?;
    let p = Proxy::start(&h.hub.url()).await;
    let (d, store) = cache();
    let mut office = Engine::new(
        client(&h, &p.url(), "clerk.a1", PW).await,
        store.clone(),
        100,
    );
    assert_eq!(office.sync_once().await.pulled, 1);
    Some((h, p, d, store, office))
}

/// Scenario 10b: The order left the clerk's view (a colleague returned it to HQ)
/// while the clerk's accept waited offline: the refusal says so, and the
/// order stays on screen until the clerk has read it.
async fn s10b_refusal_for_an_order_that_left_the_view_stays_until_read(db: Db) {
    let Some((h, p, _d, store, mut office)) = office_holding_o1(db).await else {
        return;
    };
    p.set_offline(true);
    store.enqueue("o-1", &accept(1000)).unwrap();
    assert!(!office.sync_once().await.online);
    // The branch clerk returns it to the HQ pool meanwhile.
    returned_to_the_pool(&h, "o-1").await;
    p.set_offline(false);
    let r = office.sync_once().await;
    assert_eq!((r.pushed, r.rejected), (0, 1), "{r:?}");
    // Another pull: the feed lists o-1 as removed from this view.
    let r = office.sync_once().await;
    assert!(r.online && r.error.is_none(), "{r:?}");
    let row = store.order("o-1").unwrap().expect("kept while unread");
    match &row.outbox {
        OutboxState::Rejected(why) => assert!(why.contains("不在您的网点范围内"), "{why}"),
        other => panic!("{other:?}"),
    }
    // As the clerk's screen asks: their own outlet, pending orders.
    let pending = PageQuery {
        filter: ListFilter::Outlets(vec!["A1".into()]),
        status: Some(Status::Pending),
        limit: 50,
        ..all()
    };
    let (rows, _) = store.page(&pending).unwrap();
    assert_eq!(rows.len(), 1, "still listed, though now in the HQ pool");
    // Read: now it goes, as the feed said.
    store.dismiss_rejection("o-1").unwrap();
    assert!(store.order("o-1").unwrap().is_none());
    assert!(store.page(&pending).unwrap().0.is_empty());
}

/// Scenario 10c: As 10b, but the first resend meets a 500, so the pull that says
/// the order left the view comes before the refusal: the queued action
/// still keeps its order, and the refusal then shows on it.
async fn s10c_a_queued_action_keeps_its_order_until_its_answer_is_read(db: Db) {
    let Some((h, p, _d, store, mut office)) = office_holding_o1(db).await else {
        return;
    };
    store.enqueue("o-1", &accept(1000)).unwrap();
    returned_to_the_pool(&h, "o-1").await;
    p.push_for(ACTIONS, Fault::Status500);
    let r = office.sync_once().await;
    assert_eq!((r.pushed, r.rejected, r.removed), (0, 0, 1), "{r:?}");
    assert!(
        store.order("o-1").unwrap().is_some(),
        "kept: an action waits on it"
    );
    pause(&r).await;
    let r = office.sync_once().await;
    assert_eq!(r.rejected, 1, "{r:?}");
    let row = store.order("o-1").unwrap().expect("kept while unread");
    assert!(matches!(row.outbox, OutboxState::Rejected(_)), "{row:?}");
    store.dismiss_rejection("o-1").unwrap();
    assert!(store.order("o-1").unwrap().is_none());
}

/// Scenario 9b: The clerk's view changed (an outlet moved to another branch): the
/// feed says so, and the orders that left the view go from the cache at
/// once, not after a resync that may be cut halfway.
async fn s09b_a_view_change_drops_what_left_the_view_at_once(db: Db) {
    let Some(h) = TestHub::start_on(db, false, |_| {}).await else {
        return;
    };
    network(&h).await;
    orders_at(&h, "A", &["o-a"]).await;
    orders_at(&h, "A1", &["o-a1"]).await;
    let p = Proxy::start(&h.hub.url()).await;
    let (_d, store) = cache();
    let mut branch = Engine::new(
        client(&h, &p.url(), "clerk.a", PW).await,
        store.clone(),
        1, // one order per page, so the resync has a middle
    );
    until_idle(&mut branch, 4).await;
    assert_eq!(cached(&store), ["o-a", "o-a1"]);

    // A1 moves under branch B.
    let admin = h.admin().await;
    h.move_outlet(&admin, "A1", "B").await;

    // 410 view_changed, the first resync page, then the connection drops.
    p.push_for(CHANGES, Fault::Pass);
    p.push_for(CHANGES, Fault::Pass);
    p.push_for(CHANGES, Fault::Refuse);
    let r = branch.sync_once().await;
    assert!(!r.online, "{r:?}");
    assert_eq!(cached(&store), ["o-a"], "B's customers are gone already");

    let reports = until_idle(&mut branch, 4).await;
    assert!(reports.last().unwrap().error.is_none(), "{reports:#?}");
    assert_eq!(cached(&store), ["o-a"]);
}

/// Scenario 11: A stale `If-Match` on an outlet edit: 412 with the server's record,
/// so the user can redo the edit on top of it.
async fn s11_stale_if_match_returns_the_server_record(db: Db) {
    let Some(h) = hub_with(db, &[]).await else {
        return;
    };
    let p = Proxy::start(&h.hub.url()).await;
    let admin = client(&h, &p.url(), "admin", ADMIN_PW).await;
    let list = admin.outlets().await.unwrap();
    let seen = list.outlets.iter().find(|o| o.code == "A").unwrap().clone();
    // Someone else saves first.
    let mut theirs = serde_json::to_value(&seen).unwrap();
    theirs["name"] = json!("网点A-总部改");
    let t = h.admin().await;
    let (s, v) = h.put("/api/v1/outlets/A", &t, seen.version, theirs).await;
    assert_eq!(s, 200, "{v}");

    let mut mine = seen.clone();
    mine.phone = "0514-1234567".into();
    let e = admin
        .update_outlet(&mine, seen.version)
        .await
        .expect_err("stale");
    assert_eq!(
        (e.status(), e.code()),
        (Some(412), Some("version_moved")),
        "{e:?}"
    );
    let current = e
        .detail()
        .and_then(|d| d.current.clone())
        .expect("error.current");
    assert_eq!(current["name"], "网点A-总部改");
    assert_eq!(current["version"].as_i64(), Some(seen.version + 1));
    let now = admin.outlets().await.unwrap();
    let a = now.outlets.iter().find(|o| o.code == "A").unwrap();
    assert_eq!(
        (a.name.as_str(), a.phone.as_str()),
        ("网点A-总部改", ""),
        "the stale write changed nothing"
    );

    // Redo the user's edit on the server's record.
    let mut redo: outlet_desk::domain::Outlet = serde_json::from_value(current).unwrap();
    redo.phone = mine.phone.clone();
    let saved = admin
        .update_outlet(&redo, redo.version)
        .await
        .expect("redo");
    assert_eq!(
        (saved.name.as_str(), saved.phone.as_str()),
        ("网点A-总部改", "0514-1234567")
    );
    assert_eq!(saved.version, seen.version + 2);
    assert_eq!(p.count("/api/v1/outlets/A"), 2);
}

/// Scenario 13: 429 with `Retry-After: 2`: no request to that path before it.
/// On SQLite only: the 429 comes from the proxy and the wait is the
/// client's; the hub's part (one accept, applied once) is scenario 1's
/// on both engines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s13_retry_after_is_honoured() {
    let Some(Rig {
        h,
        p,
        _dir,
        store,
        mut engine,
    }) = rig(Db::Sqlite, &["o-1"]).await
    else {
        return;
    };
    store.enqueue("o-1", &accept(1000)).unwrap();
    p.push_for(
        ACTIONS,
        Fault::TooMany {
            retry_after_secs: 2,
        },
    );
    let r = engine.sync_once().await;
    assert!(r.error.is_some(), "{r:?}");
    assert!(
        r.retry_in.is_some_and(|d| d >= Duration::from_secs(2)),
        "{r:?}"
    );
    assert_eq!(p.seen().len(), 1, "nothing else sent in that round");
    // The clerk presses "sync now" (or queues another action, which wakes
    // the sync loop) right away: still nothing before Retry-After.
    let early = engine.sync_once().await;
    assert_eq!(p.seen().len(), 1, "an early round sends nothing: {early:?}");
    assert!(
        early
            .retry_in
            .is_some_and(|d| d > Duration::ZERO && d <= Duration::from_secs(2)),
        "{early:?}"
    );
    assert_eq!((early.pushed, early.pending), (0, 1));
    pause(&early).await;
    let reports = until_idle(&mut engine, 4).await;
    assert_eq!(reports.iter().map(|r| r.pushed).sum::<usize>(), 1);
    let sent = p.seen_for(ACTIONS);
    assert_eq!(sent.len(), 2);
    let gap = sent[1].at.duration_since(sent[0].at);
    assert!(gap >= Duration::from_secs(2), "resent after {gap:?}");
    let too_early = p
        .seen()
        .iter()
        .filter(|s| s.at > sent[0].at && s.at < sent[0].at + Duration::from_secs(2))
        .count();
    assert_eq!(too_early, 0, "no request at all before Retry-After");
    assert_eq!(count(&history(&h, "o-1").await, "accept"), 1);
}

/// Scenario 14: The token expires mid-queue: log in again, resume in order,
/// nothing failed.
async fn s14_token_expiry_mid_queue_resumes_in_order(db: Db) {
    let ttl = Duration::from_secs(2);
    let Some(h) = TestHub::start_on(db, false, |c| c.token_ttl = ttl).await else {
        return;
    };
    network(&h).await;
    orders_at(&h, "A1", &["o-1"]).await;
    let p = Proxy::start(&h.hub.url()).await;
    let (_d, store) = cache();
    store.enqueue("o-1", &Action::Contacted).unwrap();
    store.enqueue("o-1", &accept(1000)).unwrap();
    store.enqueue("o-1", &pickup_failed()).unwrap();
    // The first action goes through; the second reaches the hub after the
    // token has expired.
    p.push_for(ACTIONS, Fault::Pass);
    p.push_for(ACTIONS, Fault::Delay(ttl + Duration::from_millis(300)));
    let mut engine = Engine::new(
        client(&h, &p.url(), "clerk.a1", PW).await,
        store.clone(),
        100,
    );
    let r = engine.sync_once().await;
    assert!(r.need_login, "{r:?}");
    assert_eq!((r.pushed, r.rejected, r.pending), (1, 0, 2));
    assert_eq!(
        states(&store),
        pairs(&[("o-1", "applied"), ("o-1", "queued"), ("o-1", "queued")])
    );
    assert_eq!(history(&h, "o-1").await, ["created", "contacted"]);

    engine.set_client(client(&h, &p.url(), "clerk.a1", PW).await);
    let reports = until_idle(&mut engine, 4).await;
    assert!(
        reports.iter().all(|r| !r.need_login && r.rejected == 0),
        "{reports:#?}"
    );
    assert_eq!(reports.iter().map(|r| r.pushed).sum::<usize>(), 2);
    assert_eq!(
        states(&store),
        pairs(&[("o-1", "applied"), ("o-1", "applied"), ("o-1", "applied")])
    );
    assert_eq!(
        history(&h, "o-1").await,
        ["created", "contacted", "accept", "pickup_failed"],
        "in order, once each"
    );
    let row = store.order("o-1").unwrap().unwrap();
    assert_eq!(
        (row.order.status, row.outbox),
        (Status::PickupFailed, OutboxState::Synced)
    );
}

/// Scenario 16: The UI writes while a large page is applied: never "database is
/// locked".
///
/// On SQLite only: the lock it is about is the client's cache's; on
/// PostgreSQL the 2,000 orders alone took 16 s more here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s16_ui_writes_while_a_large_page_is_applied() {
    const N: usize = 2000;
    let Some(h) = hub_with(Db::Sqlite, &[]).await else {
        return;
    };
    // 2,000 orders at A1, a few senders at once.
    let mut senders = tokio::task::JoinSet::new();
    for w in 0..8 {
        let (http, url) = (h.http.clone(), h.url("/api/v1/inbound/orders"));
        senders.spawn(async move {
            for i in (w..N).step_by(8) {
                let no = format!("b-{i:04}");
                let r = http
                    .post(&url)
                    .bearer_auth(common::UPSTREAM)
                    .json(&inbound(
                        &no,
                        &format!("acct-{no}"),
                        "无网点之城",
                        Some("A1"),
                    ))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
            }
        });
    }
    while let Some(r) = senders.join_next().await {
        r.unwrap();
    }
    let p = std::sync::Arc::new(Proxy::start(&h.hub.url()).await);
    let (_d, ui) = cache();
    let mut engine = Engine::new(
        client(&h, &p.url(), "clerk.a1", PW).await,
        ui.second_connection().unwrap(),
        1000,
    );

    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ui_store = ui.clone();
    let flag = done.clone();
    let watch = p.clone();
    // Once the engine is pulling (its push found nothing to send), the
    // clerk keeps clicking 已联系 and scrolling the list.
    let clerk = tokio::task::spawn_blocking(move || {
        while watch.count(CHANGES) == 0 && !flag.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
        let mut writes = Vec::new();
        let mut errors = Vec::new();
        let mut i = 0;
        while !flag.load(std::sync::atomic::Ordering::SeqCst) && i < 200 {
            let no = format!("b-{:04}", i * 7);
            match ui_store.enqueue(&no, &Action::Contacted) {
                Ok(_) => writes.push(Instant::now()),
                Err(e) => errors.push(e.to_string()),
            }
            if let Err(e) = ui_store.page(&PageQuery { limit: 50, ..all() }) {
                errors.push(e.to_string());
            }
            i += 1;
            std::thread::sleep(Duration::from_millis(2));
        }
        (writes, errors)
    });
    let start = Instant::now();
    let r = engine.sync_once().await;
    let end = Instant::now();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (writes, errors) = clerk.await.unwrap();
    assert!(errors.is_empty(), "UI writes failed: {errors:?}");
    assert!(r.error.is_none(), "{r:?}");
    assert_eq!((r.pulled, r.pushed), (N, 0));
    assert_eq!(p.count(CHANGES), 3, "two full pages and an empty one");
    let during = writes.iter().filter(|t| **t > start && **t < end).count();
    assert!(
        during > 0,
        "the clerk wrote while pages were applied ({} writes)",
        writes.len()
    );
    assert_eq!(cached(&ui).len(), N);

    // What the clerk did is all sent, once. Up to 200 queued actions: the
    // hub's per-user write limit (bursts of 120, then 10/s, answered 429
    // with Retry-After) paces the flush over several rounds.
    let reports = until_idle(&mut engine, 20).await;
    assert_eq!(
        reports.iter().map(|r| r.pushed).sum::<usize>(),
        writes.len()
    );
    assert!(states(&ui).iter().all(|(_, s)| s == "applied"));
    assert_eq!(history(&h, "b-0007").await, ["created", "contacted"]);
}

/// Scenario 17: Offline for three days, then reconnect: every queued action
/// applied exactly once (including one whose reply was lost just before
/// the network went down).
async fn s17_days_offline_then_every_action_applied_once(db: Db) {
    let Some(Rig {
        h,
        p,
        _dir,
        store,
        mut engine,
    }) = rig(db, &["o-1", "o-2", "o-3"]).await
    else {
        return;
    };
    assert_eq!(engine.sync_once().await.pulled, 3);

    // The last request before the outage commits, but its reply is lost.
    let lost = store.enqueue("o-1", &Action::Contacted).unwrap();
    p.push_for(ACTIONS, Fault::CutAfterForward);
    let r = engine.sync_once().await;
    assert!(!r.online && r.pending == 1, "{r:?}");
    p.set_offline(true);

    // Three days of work: rounds keep failing (no waiting between them
    // here; the days pass between rounds).
    let days: [Vec<(&str, Action)>; 3] = [
        vec![("o-1", accept(1000))],
        vec![("o-2", Action::Contacted), ("o-2", accept(2000))],
        vec![
            ("o-3", Action::Contacted),
            (
                "o-3",
                Action::Return {
                    reason_code: "wrong_outlet".into(),
                    note: "不是本网点".into(),
                },
            ),
        ],
    ];
    let mut queued = 1;
    for day in days {
        for (no, a) in day {
            store.enqueue(no, &a).unwrap();
            queued += 1;
        }
        for _ in 0..3 {
            let r = engine.sync_once().await;
            assert!(!r.online && r.error.is_some(), "{r:?}");
            assert_eq!((r.pushed, r.pending), (0, queued));
        }
    }
    assert_eq!(history(&h, "o-1").await, ["created", "contacted"]);
    let refused = p.seen().iter().filter(|s| s.fault == Fault::Refuse).count();
    assert_eq!(refused, 9, "each offline round tried once");

    p.set_offline(false);
    let reports = until_idle(&mut engine, 5).await;
    assert_eq!(reports.iter().map(|r| r.pushed).sum::<usize>(), 6);
    assert!(reports.iter().all(|r| r.rejected == 0), "{reports:#?}");
    assert_eq!(history(&h, "o-1").await, ["created", "contacted", "accept"]);
    assert_eq!(history(&h, "o-2").await, ["created", "contacted", "accept"]);
    assert_eq!(history(&h, "o-3").await, ["created", "contacted", "return"]);
    assert!(
        states(&store).iter().all(|(_, s)| s == "applied"),
        "{:?}",
        states(&store)
    );
    let forwarded_lost = p
        .seen_for(ACTIONS)
        .iter()
        .filter(|s| s.key.as_deref() == Some(lost.as_str()) && s.fault != Fault::Refuse)
        .count();
    assert_eq!(
        forwarded_lost, 2,
        "the lost reply's action reached the hub twice, applied once"
    );

    // Converged: the cache shows the server's view for this user.
    let t = h.login("clerk.a1", PW).await;
    let (orders, _, _) = h.feed(&t, None).await;
    let mut server: Vec<(String, String)> = orders
        .iter()
        .map(|o| {
            (
                o["order_no"].as_str().unwrap().to_owned(),
                o["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    server.sort();
    let (rows, _) = store.page(&all()).unwrap();
    let mut mine: Vec<(String, String)> = rows
        .into_iter()
        .map(|r| (r.order.order_no, r.order.status.as_str().to_owned()))
        .collect();
    mine.sort();
    assert_eq!(mine, server);
    assert_eq!(
        mine,
        pairs(&[("o-1", "accepted"), ("o-2", "accepted")]),
        "o-3 went back to the pool"
    );
}

/// The engine's own loop (`sync::runner`) for `engine`, with a poll
/// interval of an hour: anything that arrives sooner came by the long
/// poll. Its reports come out of the receiver.
fn run_engine(
    engine: Engine,
) -> (
    tokio::sync::mpsc::UnboundedSender<Command>,
    tokio::sync::mpsc::UnboundedReceiver<Report>,
) {
    let (commands, rx) = tokio::sync::mpsc::unbounded_channel();
    let (out, reports) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(runner::run(
        engine,
        Duration::from_secs(3600),
        rx,
        move |r| {
            let sent = out.send(r).is_ok();
            async move { sent }
        },
    ));
    (commands, reports)
}

/// The next report within `limit`.
async fn report_within(
    reports: &mut tokio::sync::mpsc::UnboundedReceiver<Report>,
    limit: Duration,
) -> Report {
    tokio::time::timeout(limit, reports.recv())
        .await
        .expect("a report in time")
        .expect("the engine runs")
}

/// A new order at the clerk's office reaches the waiting client's cache
/// within 2 s although its poll interval is an hour, and the wait costs
/// one held request, not a poll every few seconds.
async fn long_poll_brings_a_new_order_at_once(db: Db) {
    let Some(Rig {
        h,
        p,
        _dir,
        store,
        engine,
    }) = rig(db, &["o-1"]).await
    else {
        return;
    };
    let (_commands, mut reports) = run_engine(engine);
    let first = report_within(&mut reports, Duration::from_secs(10)).await;
    assert_eq!((first.pulled, first.error.as_deref()), (1, None));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        p.count(CHANGES) <= 2,
        "no polling while nothing changes: {:?}",
        p.seen_for(CHANGES)
    );
    assert!(
        reports.try_recv().is_err(),
        "nothing to report while nothing changes"
    );

    let placed = Instant::now();
    orders_at(&h, "A1", &["o-2"]).await;
    let r = report_within(&mut reports, Duration::from_secs(2)).await;
    assert_eq!(r.pulled, 1, "{r:?}");
    assert!(placed.elapsed() < Duration::from_secs(2));
    assert_eq!(cached(&store), ["o-1", "o-2"]);
}

/// A clerk's action queued while the engine waits at the head goes out at
/// once: the wait is broken off, not sat out.
async fn action_queued_during_a_long_poll_is_sent_at_once(db: Db) {
    let Some(Rig {
        h,
        p,
        _dir,
        store,
        engine,
    }) = rig(db, &["o-1"]).await
    else {
        return;
    };
    let (commands, mut reports) = run_engine(engine);
    report_within(&mut reports, Duration::from_secs(10)).await;
    // Well inside the long poll.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(p.count(ACTIONS) == 0);

    let queued = Instant::now();
    store.enqueue("o-1", &accept(1000)).unwrap();
    commands.send(Command::SyncNow).unwrap();
    let r = report_within(&mut reports, Duration::from_secs(2)).await;
    assert_eq!(
        (r.pushed, r.pending, r.error.as_deref()),
        (1, 0, None),
        "{r:?}"
    );
    assert!(queued.elapsed() < Duration::from_secs(2));
    assert_eq!(count(&history(&h, "o-1").await, "accept"), 1);
    assert_eq!(
        store.order("o-1").unwrap().expect("cached").order.status,
        Status::Accepted
    );
}
