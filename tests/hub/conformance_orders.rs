//! Order writes on both engines (issue 15): actions under their
//! Idempotency-Key, inbound orders and their group commit, dispatch and
//! its memory, the customer's cancel. Each check runs as
//! `conformance_orders::sqlite::X` and `conformance_orders::postgres::X`:
//! every order here is written by the engine under test, and read back
//! (one order, its events, the feed) from the same engine.

use crate::common;
use crate::orders::{network_on, numbers, place_orders};

use crate::conformance_network::draft;
use crate::waybill::{accepted, import, uuid};
use common::{ADMIN_PW, DEMO_PW, Engine, TestHub, code, inbound};
use serde_json::{Value, json};

on_both_engines!(
    actions_follow_the_state_machine_and_log_events,
    the_same_key_replays_and_another_body_is_refused,
    two_clerks_race_and_the_loser_sees_who_won,
    the_same_action_sent_twice_at_once_has_one_effect,
    actions_sent_at_once_are_each_answered_on_their_own,
    dispatch_remembers_the_account_outlet,
    orders_sent_at_once_are_each_answered_and_stored_once,
    customer_cancel_before_and_after_acceptance,
    a_branch_dispatcher_assigns_only_inside_the_branch,
    an_upstream_outlet_code_with_spaces_still_reaches_that_outlet,
    printed_is_recorded_in_any_state_and_counted,
    a_pending_order_in_the_subtree_is_accepted_and_billed_in_one_step,
    an_import_is_idempotent,
    bad_input_is_refused_at_its_field_and_nothing_is_stored;
    postgres_only:
    one_key_sent_to_two_hubs_at_once_has_one_effect,
    two_hubs_share_the_dispatch_memory,
    the_same_writes_leave_the_same_index_and_counters_on_both_engines,
    billing_elsewhere_leaves_the_same_index_and_counters_on_both_engines,
    concurrent_writers_on_two_hubs_keep_the_counts_exact,
);

/// An order's events.
async fn events(h: &TestHub, token: &str, order_no: &str) -> Vec<Value> {
    let (s, ev) = h
        .get(&format!("/api/v1/orders/{order_no}/events"), token)
        .await;
    assert_eq!(s, 200, "{ev}");
    ev.as_array().cloned().unwrap_or_default()
}

/// The test network (`orders::network_on`) on `engine`, no orders yet.
async fn on(engine: Engine) -> Option<TestHub> {
    network_on(engine).await.map(|(h, _)| h)
}

/// The order was accepted, once, by `login`: accepting it again under a
/// new key is a state conflict naming them.
async fn accepted_once_by(h: &TestHub, token: &str, order_no: &str, login: &str) {
    let body =
        json!({"action": "accept", "weight_g": 1, "volume_cm3": 0, "pickup_required": false});
    let (s, v) = h
        .act(token, order_no, &format!("again-{order_no}"), body)
        .await;
    assert_eq!((s, code(&v)), (409, "state_conflict"), "{v}");
    assert_eq!(v["error"]["order"]["status"], "accepted");
    let msg = v["error"]["message"].as_str().unwrap_or_default();
    assert!(msg.contains(login) && msg.contains("受理"), "{msg}");
}

async fn actions_follow_the_state_machine_and_log_events(engine: Engine) {
    let Some(h) = on(engine).await else {
        return;
    };
    place_orders(&h).await;
    let a1 = h.login("clerk.a1", "pass-word-1").await;
    let disp = h.login("disp", "pass-word-1").await;
    let (s, v) = h
        .act(&a1, "o-A1", "k1", json!({"action": "contacted"}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["contacted_at"].is_string());
    let accept = json!({"action": "accept", "weight_g": 15000, "volume_cm3": 70000,
        "pickup_required": true, "pickup_time": "2026-11-27T02:00:00Z", "expected_version": 2});
    let (s, v) = h.act(&a1, "o-A1", "k2", accept.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "accepted");
    assert_eq!(v["accepting_outlet_code"], "A1");
    assert_eq!(v["cargo"]["weight_g"], 15000);
    // A reason that does not exist: 422; then a real one.
    let (s, v) = h
        .act(
            &a1,
            "o-A1",
            "k3",
            json!({"action": "pickup_failed", "reason_code": "nope", "note": ""}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "unknown_reason");
    let (s, v) = h
        .act(
            &a1,
            "o-A1",
            "k4",
            json!({"action": "pickup_failed", "reason_code": "customer_cancelled", "note": "改天"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "pickup_failed");
    let ev = events(&h, &a1, "o-A1").await;
    let actions: Vec<_> = ev.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["created", "contacted", "accept", "pickup_failed"]);
    let last = ev.last().unwrap();
    assert_eq!(last["actor_login"], "clerk.a1");
    assert_eq!(last["outlet_code"], "A1");
    assert_eq!(last["from_status"], "accepted");
    assert_eq!(last["to_status"], "pickup_failed");
    assert_eq!(last["reason_code"], "customer_cancelled");
    assert_eq!(last["note"], "改天");

    // Return (打回) needs a reason; `other` needs a note.
    let (s, v) = h
        .act(
            &a1,
            "o-A2",
            "k5",
            json!({"action": "return", "reason_code": "other", "note": ""}),
        )
        .await;
    assert_eq!(s, 403, "A2 is outside A1's subtree: {v}");
    let a = h.login("clerk.a", "pass-word-1").await;
    let (s, v) = h
        .act(
            &a,
            "o-A2",
            "k6",
            json!({"action": "return", "reason_code": "other", "note": ""}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "note_required");
    let (s, v) = h
        .act(
            &a,
            "o-A2",
            "k7",
            json!({"action": "return", "reason_code": "wrong_outlet", "note": "不是本网点"}),
        )
        .await;
    assert_eq!(s, 200);
    assert!(v["current_outlet_code"].is_null(), "back in the pool");
    // Clerks may not assign; the dispatcher may, to a real outlet only.
    let (s, _) = h
        .act(
            &a,
            "o-none",
            "k8",
            json!({"action": "assign", "outlet_code": "A1"}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, v) = h
        .act(
            &disp,
            "o-A2",
            "k9",
            json!({"action": "assign", "outlet_code": "HQ"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["fields"][0]["code"].as_str()),
        (422, Some("unknown_outlet"))
    );
    let (s, v) = h
        .act(
            &disp,
            "o-A2",
            "k10",
            json!({"action": "assign", "outlet_code": "B1"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["current_outlet_code"], "B1");
    let (s, v) = h
        .act(
            &disp,
            "o-none",
            "k11",
            json!({"action": "close", "reason_code": "duplicate", "note": ""}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "closed");
    // Bad requests.
    let (s, v) = h
        .call(
            reqwest::Method::POST,
            "/api/v1/orders/o-A/actions",
            Some(&a),
            Some(json!({"action": "contacted"})),
            &[],
        )
        .await;
    assert_eq!((s, code(&v)), (400, "idempotency_key_required"));
    let (s, v) = h.act(&a, "o-A", "k12", json!({"action": "teleport"})).await;
    assert_eq!((s, code(&v)), (422, "invalid_action"));
    let (s, _) = h
        .act(&a, "no-such", "k13", json!({"action": "contacted"}))
        .await;
    assert_eq!(s, 404);
}

async fn the_same_key_replays_and_another_body_is_refused(engine: Engine) {
    let Some(h) = on(engine).await else {
        return;
    };
    place_orders(&h).await;
    let a = h.login("clerk.a", "pass-word-1").await;
    let body =
        json!({"action": "accept", "weight_g": 1000, "volume_cm3": 0, "pickup_required": false});
    let first = h.act(&a, "o-A", "same-key", body.clone()).await;
    let again = h.act(&a, "o-A", "same-key", body.clone()).await;
    assert_eq!(first.0, 200);
    assert_eq!(first, again, "the first answer, replayed");
    // Days later (a new session), the key still replays.
    let a_later = h.login("clerk.a", "pass-word-1").await;
    assert_eq!(
        h.act(&a_later, "o-A", "same-key", body.clone()).await,
        first
    );
    let ev = events(&h, &a, "o-A").await;
    assert_eq!(ev.iter().filter(|e| e["action"] == "accept").count(), 1);
    accepted_once_by(&h, &a, "o-A", "clerk.a").await;
    let other =
        json!({"action": "accept", "weight_g": 2000, "volume_cm3": 0, "pickup_required": false});
    let (s, v) = h.act(&a, "o-A", "same-key", other).await;
    assert_eq!((s, code(&v)), (422, "idempotency_key_reused"));
}

async fn two_clerks_race_and_the_loser_sees_who_won(engine: Engine) {
    let Some(h) = on(engine).await else {
        return;
    };
    place_orders(&h).await;
    let a = h.login("clerk.a", "pass-word-1").await;
    let a1 = h.login("clerk.a1", "pass-word-1").await;
    let accept =
        json!({"action": "accept", "weight_g": 1000, "volume_cm3": 0, "pickup_required": false});
    let (s1, _) = h.act(&a1, "o-A1", "win", accept.clone()).await;
    let (s2, v) = h.act(&a, "o-A1", "lose", accept.clone()).await;
    assert_eq!((s1, s2), (200, 409));
    assert_eq!(code(&v), "state_conflict");
    assert_eq!(v["error"]["order"]["status"], "accepted");
    assert_eq!(v["error"]["order"]["accepting_outlet_code"], "A1");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("clerk.a1") && msg.contains("受理"), "{msg}");
    // An unrelated change in between does not reject a valid action.
    let (s, _) = h
        .act(&a, "o-A2", "c1", json!({"action": "contacted"}))
        .await;
    assert_eq!(s, 200);
    let (s, _) = h
        .act(&a, "o-A2", "c2", json!({"action": "accept", "weight_g": 5, "volume_cm3": 0, "pickup_required": false, "expected_version": 1}))
        .await;
    assert_eq!(s, 200, "a stale expected_version is only logged");
}

async fn the_same_action_sent_twice_at_once_has_one_effect(engine: Engine) {
    let Some(h) = on(engine).await else {
        return;
    };
    place_orders(&h).await;
    let a = h.login("clerk.a", "pass-word-1").await;
    let body =
        json!({"action": "accept", "weight_g": 1000, "volume_cm3": 0, "pickup_required": false});
    let (r1, r2) = tokio::join!(
        h.act(&a, "o-A", "twin", body.clone()),
        h.act(&a, "o-A", "twin", body.clone())
    );
    assert_eq!(r1, r2);
    assert_eq!(r1.0, 200);
    let ev = events(&h, &a, "o-A").await;
    assert_eq!(ev.len(), 2, "created + one accept");
    accepted_once_by(&h, &a, "o-A", "clerk.a").await;
}

/// A burst of actions through one hub (on PostgreSQL, written in
/// groups): each is answered as if sent alone — a twin replays, a race
/// has one winner, a reused key is refused, a missing order is 404 — and
/// each has its one effect.
async fn actions_sent_at_once_are_each_answered_on_their_own(engine: Engine) {
    let Some(h) = on(engine).await else {
        return;
    };
    const PLAIN: usize = 20;
    for i in 0..PLAIN + 2 {
        let (s, v) = h
            .inbound(inbound(
                &format!("g-{i:02}"),
                "acct-g",
                "无网点之城",
                Some("A"),
            ))
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let disp = h.login("disp", "pass-word-1").await;
    let contacted = json!({"action": "contacted"});
    let accept =
        json!({"action": "accept", "weight_g": 1000, "volume_cm3": 0, "pickup_required": false});
    let printed = json!({"action": "printed", "document": "label", "copies": 1});
    let mut sends: Vec<(&str, String, String, Value)> = (0..PLAIN)
        .map(|i| {
            let no = format!("g-{i:02}");
            (
                "plain",
                no.clone(),
                format!("{no}-contacted"),
                contacted.clone(),
            )
        })
        .collect();
    sends.push((
        "twin",
        "g-00".into(),
        "g-00-contacted".into(),
        contacted.clone(),
    ));
    let race = format!("g-{PLAIN:02}");
    sends.push(("race", race.clone(), "race-x".into(), accept.clone()));
    sends.push(("race", race.clone(), "race-y".into(), accept.clone()));
    let reused = format!("g-{:02}", PLAIN + 1);
    sends.push((
        "reuse",
        reused.clone(),
        "reused-key".into(),
        contacted.clone(),
    ));
    sends.push(("reuse", reused.clone(), "reused-key".into(), printed));
    sends.push((
        "missing",
        "g-none".into(),
        "missing-key".into(),
        contacted.clone(),
    ));
    let h = std::sync::Arc::new(h);
    let mut sent = tokio::task::JoinSet::new();
    for (what, no, key, body) in sends {
        let (h, disp) = (h.clone(), disp.clone());
        sent.spawn(async move {
            let (s, v) = h.act(&disp, &no, &key, body).await;
            (what, no, s, v)
        });
    }
    // A task that panicked fails the test here.
    let answers = sent.join_all().await;
    let statuses = |what: &str| -> Vec<u16> {
        let mut v: Vec<u16> = answers
            .iter()
            .filter(|a| a.0 == what)
            .map(|a| a.2)
            .collect();
        v.sort();
        v
    };
    assert_eq!(statuses("plain"), vec![200; PLAIN]);
    assert_eq!(statuses("twin"), vec![200]);
    assert_eq!(statuses("race"), vec![200, 409], "one accept wins");
    assert_eq!(statuses("reuse"), vec![200, 422], "a key names one request");
    assert_eq!(statuses("missing"), vec![404]);
    let twins: Vec<&Value> = answers
        .iter()
        .filter(|a| a.1 == "g-00" && a.2 == 200)
        .map(|a| &a.3)
        .collect();
    assert_eq!(twins.len(), 2);
    assert_eq!(twins[0], twins[1], "the twin replays the first answer");
    for i in 0..PLAIN + 2 {
        let no = format!("g-{i:02}");
        let ev = events(&h, &disp, &no).await;
        assert_eq!(ev.len(), 2, "{no}: created and one action, {ev:?}");
    }
    // The refusal was stored under its key: sent again, the same 404.
    let (s, v) = h.act(&disp, "g-none", "missing-key", contacted).await;
    assert_eq!(s, 404, "{v}");
}

async fn dispatch_remembers_the_account_outlet(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    // 张三 ships from 北京 first: a Beijing outlet gets it.
    let (s, first) = h.inbound(inbound("m-1", "zhangsan", "北京", None)).await;
    assert_eq!(s, 201);
    let bj = first["current_outlet_code"].as_str().unwrap().to_owned();
    assert!(bj.starts_with("BJ-"), "{bj}");
    // Then from 杭州: still the Beijing outlet.
    let (_, second) = h.inbound(inbound("m-2", "zhangsan", "杭州", None)).await;
    assert_eq!(second["current_outlet_code"], bj.as_str());
    // Each order records the rule that placed it (issue 9 item 16).
    assert_eq!(first["dispatch_reason"], json!({"rule": "shipper_city"}));
    assert_eq!(
        second["dispatch_reason"],
        json!({"rule": "remembered_account"})
    );
    // Another account from 杭州 goes to Hangzhou.
    let (_, other) = h.inbound(inbound("m-3", "lisi", "杭州", None)).await;
    assert!(
        other["current_outlet_code"]
            .as_str()
            .unwrap()
            .starts_with("ZJ-"),
        "{other}"
    );
    // No outlet in the city: the pool.
    let (_, pool) = h.inbound(inbound("m-4", "wangwu", "拉萨", None)).await;
    assert!(pool["current_outlet_code"].is_null());
    assert!(pool.get("dispatch_reason").is_none(), "{pool}");
    // The same number again: 200 with the stored order, nothing new.
    let (s, again) = h.inbound(inbound("m-1", "someone", "厦门", None)).await;
    assert_eq!(s, 200);
    assert_eq!(again["current_outlet_code"], bj.as_str());
    // Bad bodies and bad tokens.
    let mut bad = inbound("m-5", "x", "北京", None);
    bad["declared_value"] = json!(0);
    let (s, v) = h.inbound(bad).await;
    assert_eq!(s, 422, "{v}");
    let (s, _) = h
        .call(
            reqwest::Method::POST,
            "/api/v1/inbound/orders",
            Some("wrong"),
            Some(inbound("m-6", "x", "北京", None)),
            &[],
        )
        .await;
    assert_eq!(s, 401);
    let t = h.admin().await;
    let (s, _) = h
        .call(
            reqwest::Method::POST,
            "/api/v1/inbound/orders",
            Some(&t),
            Some(inbound("m-7", "x", "北京", None)),
            &[],
        )
        .await;
    assert_eq!(s, 401, "a staff token is not an upstream token");
    let _ = ADMIN_PW;
}

/// Orders arriving together are committed together: each is answered as
/// if alone (201, 200 for a number already stored, 422 for a bad body), and
/// each stored one is in the feed once with its one "created" event.
async fn orders_sent_at_once_are_each_answered_and_stored_once(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let cities = ["北京", "杭州", "拉萨", "厦门"];
    let mut bodies: Vec<Value> = (0..40)
        .map(|i| {
            inbound(
                &format!("burst-{i:02}"),
                &format!("acct-{i}"),
                cities[i % 4],
                None,
            )
        })
        .collect();
    // The same number twice in one burst, and one bad body.
    bodies.push(inbound("burst-07", "acct-again", "北京", None));
    let mut bad = inbound("burst-bad", "x", "北京", None);
    bad["declared_value"] = json!(0);
    bodies.push(bad);
    let mut sent = tokio::task::JoinSet::new();
    for b in bodies {
        let req = h
            .http
            .post(h.url("/api/v1/inbound/orders"))
            .bearer_auth(common::UPSTREAM)
            .json(&b);
        sent.spawn(async move {
            let r = req.send().await.expect("send");
            let status = r.status().as_u16();
            let v: Value = r.json().await.expect("json");
            (
                b["order_no"].as_str().unwrap_or_default().to_owned(),
                status,
                v,
            )
        });
    }
    // A task that panicked fails the test here.
    let answers = sent.join_all().await;
    let status_of = |no: &str| -> Vec<u16> {
        let mut v: Vec<u16> = answers
            .iter()
            .filter(|(n, _, _)| n == no)
            .map(|a| a.1)
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        status_of("burst-07"),
        vec![200, 201],
        "one stored, one found"
    );
    assert_eq!(status_of("burst-bad"), vec![422]);
    for i in (0..40).filter(|i| *i != 7) {
        assert_eq!(
            status_of(&format!("burst-{i:02}")),
            vec![201],
            "burst-{i:02}"
        );
    }
    let twins: Vec<&Value> = answers
        .iter()
        .filter(|(n, _, _)| n == "burst-07")
        .map(|a| &a.2)
        .collect();
    assert_eq!(twins[0], twins[1], "both answers carry the stored order");

    // Each is stored: sent again, it is found (200) as it was answered.
    for (no, status, first) in &answers {
        if *status == 201 {
            let (s, again) = h.inbound(inbound(no, "acct-later", "北京", None)).await;
            assert_eq!((s, &again), (200, first), "{no}");
        }
    }
    let t = h.admin().await;
    let (orders, _, _) = h.feed(&t, None).await;
    let mut nos: Vec<&str> = orders
        .iter()
        .filter_map(|o| o["order_no"].as_str())
        .filter(|n| n.starts_with("burst-"))
        .collect();
    nos.sort();
    let want: Vec<String> = (0..40).map(|i| format!("burst-{i:02}")).collect();
    assert_eq!(nos, want.iter().map(String::as_str).collect::<Vec<_>>());
    let ev = events(&h, &t, "burst-07").await;
    assert_eq!(ev.len(), 1, "{ev:?}");
}

async fn customer_cancel_before_and_after_acceptance(engine: Engine) {
    let Some(h) = on(engine).await else {
        return;
    };
    place_orders(&h).await;
    let a = h.login("clerk.a", "pass-word-1").await;
    let cancel = |no: &str| format!("/api/v1/inbound/orders/{no}/cancel");
    let (s, v) = h
        .call(
            reqwest::Method::POST,
            &cancel("o-A"),
            Some(common::UPSTREAM),
            None,
            &[],
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "cancelled");
    // Cancelled orders take no action.
    let (s, v) = h.act(&a, "o-A", "x1", json!({"action": "contacted"})).await;
    assert_eq!((s, code(&v)), (409, "state_conflict"));
    // Once accepted, the customer can no longer cancel.
    let (s, _) = h
        .act(
            &a,
            "o-A2",
            "x2",
            json!({"action": "accept", "weight_g": 1, "volume_cm3": 0, "pickup_required": false}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, v) = h
        .call(
            reqwest::Method::POST,
            &cancel("o-A2"),
            Some(common::UPSTREAM),
            None,
            &[],
        )
        .await;
    assert_eq!((s, code(&v)), (409, "cancel_too_late"));
    assert_eq!(
        h.call(
            reqwest::Method::POST,
            &cancel("zzz"),
            Some(common::UPSTREAM),
            None,
            &[]
        )
        .await
        .0,
        404
    );
}

async fn a_branch_dispatcher_assigns_only_inside_the_branch(engine: Engine) {
    let Some(h) = on(engine).await else {
        return;
    };
    let admin = h.admin().await;
    place_orders(&h).await;
    let body = json!({"login": "disp.a", "name": "disp.a", "outlet_code": "A", "role": "dispatcher",
        "phone": "", "active": true, "password": "pass-word-1"});
    let (s, v) = h.post("/api/v1/staff", &admin, body).await;
    assert_eq!(s, 201, "{v}");
    let disp_a = h.login("disp.a", "pass-word-1").await;
    let (s, v) = h
        .act(
            &disp_a,
            "o-A",
            "k1",
            json!({"action": "assign", "outlet_code": "B1"}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (422, "invalid_fields"),
        "into another branch: {v}"
    );
    let (s, v) = h
        .act(
            &disp_a,
            "o-A",
            "k2",
            json!({"action": "assign", "outlet_code": "A2"}),
        )
        .await;
    assert_eq!(s, 200, "inside the branch: {v}");
    assert_eq!(v["current_outlet_code"], "A2");
    // The order says who put it there (issue 9 item 16).
    assert_eq!(
        v["dispatch_reason"],
        json!({"rule": "hq_assigned", "by": "disp.a"})
    );
}

async fn an_upstream_outlet_code_with_spaces_still_reaches_that_outlet(engine: Engine) {
    let Some(h) = on(engine).await else {
        return;
    };
    let (s, v) = h
        .inbound(inbound("o-sp", "acct-sp", "无网点之城", Some(" A1 ")))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["current_outlet_code"], "A1");
    let a1 = h.login("clerk.a1", "pass-word-1").await;
    // In A1's view: the clerk there may act on it.
    let (s, v) = h
        .act(&a1, "o-sp", "sp1", json!({"action": "contacted"}))
        .await;
    assert_eq!(s, 200, "{v}");
    let (orders, _, _) = h.feed(&a1, None).await;
    assert_eq!(numbers(&orders), ["o-sp"]);
}

/// Issue 13: `printed` records a print in any state and changes nothing
/// else; 打印次数 counts them; an unknown document or copies out of range
/// is 422.
async fn printed_is_recorded_in_any_state_and_counted(engine: Engine) {
    let Some(h) = on(engine).await else {
        return;
    };
    place_orders(&h).await;
    let a1 = h.login("clerk.a1", "pass-word-1").await;
    let printed = json!({"action": "printed", "document": "label", "copies": 2});
    let (s, v) = h.act(&a1, "o-A1", "p1", printed.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "pending");
    assert_eq!(v["print_count"], 1);
    let (s, _) = h
        .act(
            &a1,
            "o-A1",
            "k-close",
            json!({"action": "pickup_failed", "reason_code": "customer_cancelled", "note": ""}),
        )
        .await;
    assert_eq!(s, 409, "pickup_failed needs an accepted order");
    let (s, v) = h
        .act(
            &a1,
            "o-A1",
            "p2",
            json!({"action": "printed", "document": "packing_list", "copies": 1}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["print_count"], 2);
    for (key, body, field) in [
        (
            "p3",
            json!({"action": "printed", "document": "poster", "copies": 1}),
            "document",
        ),
        (
            "p4",
            json!({"action": "printed", "document": "label", "copies": 0}),
            "copies",
        ),
    ] {
        let (s, v) = h.act(&a1, "o-A1", key, body).await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], field, "{v}");
    }
    let ev = events(&h, &a1, "o-A1").await;
    let prints: Vec<_> = ev
        .iter()
        .filter(|e| e["action"] == "printed")
        .map(|e| (e["from_status"].clone(), e["to_status"].clone()))
        .collect();
    assert_eq!(prints, vec![(json!("pending"), json!("pending")); 2]);
}

/// Sends an action through the hub at `base` (another hub on the same
/// database).
async fn act_at(
    h: &TestHub,
    base: &str,
    token: &str,
    no: &str,
    key: &str,
    body: &Value,
) -> (u16, Value) {
    let r = h
        .http
        .post(format!("{base}/api/v1/orders/{no}/actions"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("send");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// Sends an inbound order through the hub at `base`.
async fn inbound_at(h: &TestHub, base: &str, body: &Value) -> (u16, Value) {
    let r = h
        .http
        .post(format!("{base}/api/v1/inbound/orders"))
        .bearer_auth(common::UPSTREAM)
        .json(body)
        .send()
        .await
        .expect("send");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// Two hubs behind a load balancer, one database: a client's resend of
/// an action reaching both at once is applied once, and both answer the
/// same.
async fn one_key_sent_to_two_hubs_at_once_has_one_effect() {
    let Some(a) = on(Engine::Postgres).await else {
        return;
    };
    place_orders(&a).await;
    let b = a.another_hub().await;
    let (url_a, url_b) = (a.hub.url(), b.url());
    let clerk = a.login("clerk.a", "pass-word-1").await;
    let body =
        json!({"action": "accept", "weight_g": 1000, "volume_cm3": 0, "pickup_required": false});
    for no in ["o-A", "o-A1", "o-A2"] {
        let key = format!("twin-{no}");
        let (ra, rb) = tokio::join!(
            act_at(&a, &url_a, &clerk, no, &key, &body),
            act_at(&a, &url_b, &clerk, no, &key, &body)
        );
        assert_eq!(ra.0, 200, "{no}: {}", ra.1);
        assert_eq!(ra, rb, "{no}: both hubs answer the one effect");
        accepted_once_by(&a, &clerk, no, "clerk.a").await;
    }
    // The same key with another body is refused by either hub.
    let other =
        json!({"action": "accept", "weight_g": 2000, "volume_cm3": 0, "pickup_required": false});
    let (s, v) = act_at(&a, &url_b, &clerk, "o-A", "twin-o-A", &other).await;
    assert_eq!((s, code(&v)), (422, "idempotency_key_reused"));
    b.stop().await;
}

/// The account's outlet one hub learnt (by city, by a dispatcher's 分配)
/// is what the other dispatches by.
async fn two_hubs_share_the_dispatch_memory() {
    let Some(a) = on(Engine::Postgres).await else {
        return;
    };
    let b = a.another_hub().await;
    let (url_a, url_b) = (a.hub.url(), b.url());
    let (s, v) = inbound_at(&a, &url_a, &inbound("m-1", "zhangsan", "城A1", None)).await;
    assert_eq!(
        (s, v["current_outlet_code"].as_str()),
        (201, Some("A1")),
        "{v}"
    );
    let (s, v) = inbound_at(&a, &url_b, &inbound("m-2", "zhangsan", "城B1", None)).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["current_outlet_code"], "A1", "B remembers what A learnt");
    assert_eq!(v["dispatch_reason"], json!({"rule": "remembered_account"}));

    // Nobody's city: the pool; a dispatcher on B hands it to B1; A then
    // sends the account's next order there.
    let (s, v) = inbound_at(&a, &url_a, &inbound("m-3", "lisi", "无网点之城", None)).await;
    assert_eq!((s, v["current_outlet_code"].is_null()), (201, true), "{v}");
    let disp = a.login("disp", "pass-word-1").await;
    let (s, v) = act_at(
        &a,
        &url_b,
        &disp,
        "m-3",
        "assign-m-3",
        &json!({"action": "assign", "outlet_code": "B1"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = inbound_at(&a, &url_a, &inbound("m-4", "lisi", "城A2", None)).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["current_outlet_code"], "B1");
    b.stop().await;
}

/// The same orders and actions, one hub on each engine: the scope index,
/// its counts, the change log, the report's entries and day sums, the
/// events and the dispatch memory come out the same (PostgreSQL's upkeep
/// is its own SQL of SQLite's rules).
async fn the_same_writes_leave_the_same_index_and_counters_on_both_engines() {
    let Some(p) = on(Engine::Postgres).await else {
        return;
    };
    let Some(s) = on(Engine::Sqlite).await else {
        return;
    };
    for h in [&s, &p] {
        writes(h).await;
    }
    assert_same_tables(&s, &p).await;
}

/// 代开 on both engines from one demo hub's data: an order billed by
/// another branch's outlet is listed and counted for both (the billing
/// outlet's ancestors, 被代开 for the outlet it was billed for) alike.
async fn billing_elsewhere_leaves_the_same_index_and_counters_on_both_engines() {
    let p = TestHub::start(true).await;
    // The same first start served twice: a consistent copy of the live
    // database for the SQLite hub, the original moved to PostgreSQL.
    let twin = tempfile::tempdir().expect("temp dir");
    rusqlite::Connection::open(p.dir.path().join("hub.db"))
        .and_then(|c| {
            c.execute(
                "VACUUM INTO ?1",
                [twin.path().join("hub.db").to_string_lossy()],
            )
        })
        .expect("copy");
    let s = TestHub {
        hub: outlet_desk::hub::start(common::config(twin.path(), true))
            .await
            .expect("twin starts"),
        dir: twin,
        http: reqwest::Client::new(),
        pg: None,
    };
    let Some(p) = p.onto(Engine::Postgres, true, |_| {}).await else {
        return;
    };
    for h in [&s, &p] {
        let (st, v) = h
            .inbound(inbound("dk-1", "acct-dk", "扬州", Some("JS-YZ-01")))
            .await;
        assert_eq!(st, 201, "{v}");
        let yz = h.login("yz.clerk", DEMO_PW).await;
        accepted(h, &yz, "dk-1").await;
        let hz = h.login("hz.clerk", DEMO_PW).await;
        let mut body = import(draft("82345678", "JZKH", 30_000));
        body["logistics_no"] = json!("WLdk-1");
        let (st, o) = h.act(&hz, "dk-1", "dk-import", body).await;
        assert_eq!(st, 200, "{o}");
        assert_eq!(o["billing_outlet_code"], "ZJ-HZ");
    }
    assert_same_tables(&s, &p).await;
}

/// The order tables of hub `s` (SQLite) and `p` (PostgreSQL) hold the
/// same rows ([`TABLES`]).
async fn assert_same_tables(s: &TestHub, p: &TestHub) {
    let (_, url) = p.pg.as_ref().expect("on PostgreSQL");
    let pg = outlet_desk::hub::pg::connect(url).await.expect("connect");
    let lite = rusqlite::Connection::open(s.dir.path().join("hub.db")).expect("open");
    for (what, sql) in TABLES {
        let on_pg: Vec<Vec<String>> = pg
            .query(&format!("SELECT ARRAY[{sql}] FROM {what}"), &[])
            .await
            .expect(what)
            .iter()
            .map(|r| r.get(0))
            .collect();
        let lite_sql = format!(
            "SELECT json_array({sql}) FROM {what}",
            sql = sql.replace("::int", "").replace("::text", "")
        );
        let on_lite: Vec<Vec<String>> = lite
            .prepare(&lite_sql)
            .expect(what)
            .query_map([], |r| r.get::<_, String>(0))
            .expect(what)
            .map(|j| {
                let v: Vec<Value> = serde_json::from_str(&j.expect(what)).expect("json");
                v.iter()
                    .map(|x| match x {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect();
        let (mut on_pg, mut on_lite) = (on_pg, on_lite);
        on_pg.sort();
        on_lite.sort();
        assert!(!on_lite.is_empty(), "{what}: nothing written");
        assert_eq!(on_pg, on_lite, "{what}");
    }
    // Every order and change-log row has its change number, and each
    // order's latest log rows carry the order's own.
    let unstamped: i64 = pg
        .query_one(
            "SELECT (SELECT count(*) FROM orders WHERE seq IS NULL)
                  + (SELECT count(*) FROM order_feed WHERE seq IS NULL)",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(unstamped, 0);
}

/// What the comparison reads: a table (or join) and its columns, as
/// PostgreSQL text (SQLite's drops the casts).
const TABLES: &[(&str, &str)] = &[
    ("order_scope", "anc, status, order_no"),
    ("scope_count WHERE n <> 0", "anc, status, n::text"),
    (
        "order_feed f JOIN orders o ON o.order_no = f.order_no",
        "f.anc, f.order_no, (f.seq = o.seq)::int::text",
    ),
    ("order_outlets", "order_no, outlet_code"),
    (
        "report_entry",
        "order_no, day::text, holder, resp, billed_for, valid::int::text, billed::int::text, returned::int::text, pickup_failed::int::text, cancelled::int::text, open::int::text, discount_fen::text",
    ),
    (
        "report_day WHERE valid + billed + for_others + by_others + returned + pickup_failed + cancelled + open + discount_fen <> 0",
        "anc, day::text, valid::text, billed::text, for_others::text, by_others::text, returned::text, pickup_failed::text, cancelled::text, open::text, discount_fen::text",
    ),
    (
        "order_events",
        "order_no, actor_login, coalesce(outlet_code, '-'), action, coalesce(from_status, '-'), to_status, coalesce(reason_code, '-'), coalesce(note, '-')",
    ),
    ("dispatch_memory", "ali_account, outlet_code"),
];

/// Orders at every kind of place, then actions that move them in and out
/// of views and through every count.
async fn writes(h: &TestHub) {
    place_orders(h).await;
    let a = h.login("clerk.a", "pass-word-1").await;
    let a1 = h.login("clerk.a1", "pass-word-1").await;
    let disp = h.login("disp", "pass-word-1").await;
    let accept =
        json!({"action": "accept", "weight_g": 1000, "volume_cm3": 0, "pickup_required": false});
    for (who, no, key, body) in [
        (&a1, "o-A1", "w1", json!({"action": "contacted"})),
        (&a1, "o-A1", "w2", accept.clone()),
        (
            &a1,
            "o-A1",
            "w3",
            json!({"action": "pickup_failed", "reason_code": "customer_cancelled", "note": "改天"}),
        ),
        (
            &a,
            "o-A2",
            "w4",
            json!({"action": "return", "reason_code": "wrong_outlet", "note": "不是本网点"}),
        ),
        (
            &disp,
            "o-A2",
            "w5",
            json!({"action": "assign", "outlet_code": "B1"}),
        ),
        (
            &disp,
            "o-none",
            "w6",
            json!({"action": "assign", "outlet_code": "A1"}),
        ),
        (
            &disp,
            "o-unknown",
            "w7",
            json!({"action": "close", "reason_code": "duplicate", "note": ""}),
        ),
        (
            &disp,
            "o-HQ",
            "w8",
            json!({"action": "printed", "document": "label", "copies": 1}),
        ),
        (&a, "o-A", "w9", accept.clone()),
    ] {
        let (s, v) = h.act(who, no, key, body).await;
        assert_eq!(s, 200, "{key}: {v}");
    }
    let (s, v) = h
        .call(
            reqwest::Method::POST,
            "/api/v1/inbound/orders/o-B/cancel",
            Some(common::UPSTREAM),
            None,
            &[],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    // The account accepted at A sends again from B's city: A, remembered.
    let (s, v) = h.inbound(inbound("n-1", "acct-o-A", "城B", None)).await;
    assert_eq!(
        (s, v["current_outlet_code"].as_str()),
        (201, Some("A")),
        "{v}"
    );
}

/// Eight writers spread over two hubs on one database, each placing
/// orders and acting on them while the others do: every write is
/// answered (no deadlock, no lost update), the counts match the rows they
/// count, and the last change number is the newest order's.
async fn concurrent_writers_on_two_hubs_keep_the_counts_exact() {
    const WRITERS: usize = 8;
    const EACH: usize = 6;
    let Some(a) = on(Engine::Postgres).await else {
        return;
    };
    let b = a.another_hub().await;
    let urls = [a.hub.url(), b.url()];
    let disp = a.login("disp", "pass-word-1").await;
    let cities = ["城A1", "城A2", "城B1", "无网点之城"];
    let targets = ["A1", "B1", "A2"];
    let a = std::sync::Arc::new(a);
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..WRITERS {
        let (h, base, disp) = (a.clone(), urls[w % 2].clone(), disp.clone());
        writers.spawn(async move {
            for i in 0..EACH {
                let no = format!("c-{w}-{i}");
                let body = inbound(&no, &format!("acct-{}", i % 3), cities[(w + i) % 4], None);
                let (s, v) = inbound_at(&h, &base, &body).await;
                assert_eq!(s, 201, "{no}: {v}");
                for (key, action) in [
                    (
                        "assign",
                        json!({"action": "assign", "outlet_code": targets[(w + i) % 3]}),
                    ),
                    ("contacted", json!({"action": "contacted"})),
                    (
                        "printed",
                        json!({"action": "printed", "document": "label", "copies": 1}),
                    ),
                ] {
                    let (s, v) =
                        act_at(&h, &base, &disp, &no, &format!("{no}-{key}"), &action).await;
                    assert_eq!(s, 200, "{no} {key}: {v}");
                }
            }
        });
    }
    while let Some(done) = writers.join_next().await {
        done.expect("writer");
    }
    let (_, url) = a.pg.as_ref().expect("on PostgreSQL");
    let pg = outlet_desk::hub::pg::connect(url).await.expect("connect");
    let wrong: Vec<String> = pg
        .query(
            "WITH kept AS (SELECT anc, status, n FROM scope_count WHERE n <> 0),
                  real AS (SELECT anc, status, count(*) AS n FROM order_scope GROUP BY anc, status
                           UNION ALL SELECT '*', status, count(*) FROM orders GROUP BY status)
             SELECT coalesce(k.anc, r.anc) || ' ' || coalesce(k.status, r.status) || ': '
                    || coalesce(k.n, 0) || ' kept, ' || coalesce(r.n, 0) || ' rows'
             FROM kept k FULL JOIN real r ON r.anc = k.anc AND r.status = k.status
             WHERE k.n IS DISTINCT FROM r.n",
            &[],
        )
        .await
        .expect("counts")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(wrong.is_empty(), "{wrong:?}");
    let r = pg
        .query_one(
            "SELECT (SELECT max(seq) FROM orders), (SELECT value::bigint FROM meta WHERE key = 'order_seq'),
                    (SELECT count(*) FROM order_events WHERE order_no LIKE 'c-%')",
            &[],
        )
        .await
        .expect("seq");
    let (newest, counter, events): (i64, i64, i64) = (r.get(0), r.get(1), r.get(2));
    assert_eq!(
        newest, counter,
        "the last number taken is the newest order's"
    );
    assert_eq!(
        events as usize,
        WRITERS * EACH * 4,
        "created + three actions each"
    );
    b.stop().await;
}

use crate::waybill::hub_with_order;

/// The order as `token` sees it.
async fn order(h: &TestHub, token: &str, no: &str) -> Value {
    let (s, v) = h.get(&format!("/api/v1/orders/{no}"), token).await;
    assert_eq!(s, 200, "{v}");
    v
}

fn actions(events: &[Value]) -> Vec<&str> {
    events.iter().filter_map(|e| e["action"].as_str()).collect()
}

async fn a_pending_order_in_the_subtree_is_accepted_and_billed_in_one_step(engine: Engine) {
    let Some((h, yz)) = hub_with_order(engine, "w-2").await else {
        return;
    };
    let (s, o) = h
        .act(
            &yz,
            "w-2",
            &uuid(),
            import(draft("12345679", "JZQY_LONG", 20_000)),
        )
        .await;
    assert_eq!(s, 200, "{o}");
    assert_eq!(o["status"], "billed");
    assert_eq!(o["accepting_outlet_code"], "JS-YZ-01");
    assert_eq!(
        o["cargo"]["weight_g"], 20_000,
        "accepted with the draft's weight"
    );
    let ev = events(&h, &yz, "w-2").await;
    assert_eq!(actions(&ev), ["created", "accept", "import_waybill"]);
}

async fn an_import_is_idempotent(engine: Engine) {
    let Some((h, yz)) = hub_with_order(engine, "w-4").await else {
        return;
    };
    let key = uuid();
    let body = import(draft("32345678", "JZKH", 30_000));
    let (s1, a) = h.act(&yz, "w-4", &key, body.clone()).await;
    let (s2, b) = h.act(&yz, "w-4", &key, body.clone()).await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(a, b);
    let ev = events(&h, &yz, "w-4").await;
    assert_eq!(actions(&ev), ["created", "accept", "import_waybill"]);
    let mut other = body;
    other["waybill"]["waybill_no"] = json!("32345679");
    let (s, v) = h.act(&yz, "w-4", &key, other).await;
    assert_eq!((s, code(&v)), (422, "idempotency_key_reused"));
}

/// Every bad input of issue 10: the right status, code and field, and
/// nothing stored.
async fn bad_input_is_refused_at_its_field_and_nothing_is_stored(engine: Engine) {
    let Some((h, yz)) = hub_with_order(engine, "w-5").await else {
        return;
    };
    accepted(&h, &yz, "w-5").await;
    // A number already used by another waybill.
    let (s, v) = h
        .inbound(inbound("w-6", "acct-2", "扬州", Some("JS-YZ-01")))
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = h
        .act(
            &yz,
            "w-6",
            &uuid(),
            import(draft("42345678", "JZKH", 30_000)),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let before = order(&h, &yz, "w-5").await;
    let set = |path: &[&str], value: Value| {
        let mut d = draft("52345678", "JZKH", 30_000);
        let mut at = &mut d;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at[path[path.len() - 1]] = value;
        d
    };
    // A bad value refused at the field it was set on.
    let invalid = |path: &[&str], value| (set(path, value), 422, "invalid_fields", path.join("."));
    let cases: Vec<(Value, u16, &str, String)> = vec![
        invalid(&["declared_value_fen"], json!(0)),
        invalid(&["cargo", "weight_g"], json!(-1)),
        invalid(&["cargo", "weight_g"], json!(900_000_000)),
        invalid(&["cargo", "volume_cm3"], json!(-5)),
        invalid(&["cargo", "volume_cm3"], json!(999_000_000)),
        invalid(&["product_code"], json!("ROCKET")),
        invalid(&["waybill_no"], json!("12ab5678")),
        invalid(&["waybill_no"], json!("1234567")),
        (
            set(&["waybill_no"], json!("42345678")),
            409,
            "waybill_no_taken",
            "waybill_no".into(),
        ),
        (
            set(&["dest_province"], json!("西藏自治区")),
            422,
            "no_rate",
            "dest_city".into(),
        ),
    ];
    for (d, status, want, field) in cases {
        let (s, v) = h.act(&yz, "w-5", &uuid(), import(d.clone())).await;
        assert_eq!((s, code(&v)), (status, want), "{d}: {v}");
        assert_eq!(v["error"]["fields"][0]["field"], field, "{v}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
        assert_eq!(
            order(&h, &yz, "w-5").await,
            before,
            "nothing stored for {d}"
        );
    }
    // The route is named, in the user's language.
    let (_, v) = h
        .call(
            reqwest::Method::POST,
            "/api/v1/orders/w-5/actions",
            Some(&yz),
            Some(import(set(&["dest_province"], json!("西藏自治区")))),
            &[("Idempotency-Key", &uuid()), ("Accept-Language", "en")],
        )
        .await;
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("No price for this route") && msg.contains("西藏自治区"),
        "{msg}"
    );
    // An order in the wrong state: billed already, or cancelled.
    let (s, v) = h
        .act(
            &yz,
            "w-6",
            &uuid(),
            import(draft("62345678", "JZKH", 30_000)),
        )
        .await;
    assert_eq!((s, code(&v)), (409, "state_conflict"), "{v}");
    assert_eq!(v["error"]["order"]["status"], "billed");
    let (s, _) = h
        .inbound(inbound("w-7", "acct-3", "扬州", Some("JS-YZ-01")))
        .await;
    assert_eq!(s, 201);
    let (s, _) = h
        .call(
            reqwest::Method::POST,
            "/api/v1/inbound/orders/w-7/cancel",
            Some(common::UPSTREAM),
            None,
            &[],
        )
        .await;
    assert_eq!(s, 200);
    let (s, v) = h
        .act(
            &yz,
            "w-7",
            &uuid(),
            import(draft("72345678", "JZKH", 30_000)),
        )
        .await;
    assert_eq!((s, code(&v)), (409, "state_conflict"), "{v}");
    // None of the refused numbers was stored, nor the order changed: the
    // number bills it now, from accepted.
    for no in ["52345678", "62345678", "72345678"] {
        let (s, _) = h.get(&format!("/api/v1/waybills/{no}"), &yz).await;
        assert_eq!(s, 404, "{no}");
    }
    let (s, v) = h
        .act(
            &yz,
            "w-5",
            &uuid(),
            import(draft("52345678", "JZKH", 30_000)),
        )
        .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("billed")), "{v}");
    let ev = events(&h, &yz, "w-5").await;
    assert_eq!(actions(&ev), ["created", "accept", "import_waybill"]);
}
