//! Orders through order-hub's API with real tokens: visibility, the state
//! machine, idempotency, races, dispatch memory, customer cancel, the
//! change feed.

use crate::common;

use common::{ADMIN_PW, TestHub, code, inbound};
use serde_json::{Value, json};

/// HQ; branches A and B; offices A1, A2 under A and B1 under B; a clerk at
/// A (branch), A1 (office) and a dispatcher at HQ. Each outlet has its own
/// city so city dispatch is predictable.
async fn network() -> (TestHub, String) {
    let h = TestHub::start(false).await;
    let t = h.admin().await;
    for (code, kind, parent) in [
        ("A", "branch", "HQ"),
        ("A1", "office", "A"),
        ("A2", "office", "A"),
        ("B", "branch", "HQ"),
        ("B1", "office", "B"),
    ] {
        let body = json!({"code": code, "name": format!("网点{code}"), "kind": kind, "parent_code": parent,
            "city": format!("城{code}"), "accepts_ali_orders": true, "active": true});
        let (s, v) = h.post("/api/v1/outlets", &t, body).await;
        assert_eq!(s, 201, "{v}");
    }
    for (login, outlet, role) in [
        ("clerk.a", "A", "clerk"),
        ("clerk.a1", "A1", "clerk"),
        ("disp", "HQ", "dispatcher"),
    ] {
        let body = json!({"login": login, "name": login, "outlet_code": outlet, "role": role,
            "phone": "", "active": true, "password": "pass-word-1"});
        let (s, v) = h.post("/api/v1/staff", &t, body).await;
        assert_eq!(s, 201, "{v}");
    }
    (h, t)
}

/// Orders at every place the visibility rules distinguish.
async fn place_orders(h: &TestHub) {
    for (no, at) in [
        ("o-HQ", Some("HQ")),
        ("o-A", Some("A")),
        ("o-A1", Some("A1")),
        ("o-A2", Some("A2")),
        ("o-B", Some("B")),
        ("o-B1", Some("B1")),
        ("o-none", None),
        ("o-empty", Some("")),
        ("o-unknown", Some("ZZ9")),
    ] {
        let mut body = inbound(no, &format!("acct-{no}"), "无网点之城", at);
        if at.is_none() {
            body.as_object_mut().unwrap().remove("current_outlet_code");
        }
        let (s, v) = h.inbound(body).await;
        assert_eq!(s, 201, "{v}");
    }
}

fn numbers(list: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = list
        .iter()
        .map(|o| o["order_no"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn visibility_table_through_the_api() {
    let (h, _) = network().await;
    place_orders(&h).await;
    let hq = h.login("disp", "pass-word-1").await;
    let a = h.login("clerk.a", "pass-word-1").await;
    let a1 = h.login("clerk.a1", "pass-word-1").await;
    let token = |u: &str| match u {
        "HQ" => hq.clone(),
        "A" => a.clone(),
        _ => a1.clone(),
    };
    // The same table the domain test runs.
    type Row<'a> = (&'a str, Option<&'a str>, Option<Vec<&'a str>>);
    let table: Vec<Row> = vec![
        (
            "HQ",
            Some("HQ"),
            Some(vec!["o-HQ", "o-none", "o-empty", "o-unknown"]),
        ),
        (
            "HQ",
            None,
            Some(vec![
                "o-HQ",
                "o-A",
                "o-A1",
                "o-A2",
                "o-B",
                "o-B1",
                "o-none",
                "o-empty",
                "o-unknown",
            ]),
        ),
        ("HQ", Some("A1"), Some(vec!["o-A1"])),
        ("HQ", Some("A"), Some(vec!["o-A", "o-A1", "o-A2"])),
        ("A", None, Some(vec!["o-A", "o-A1", "o-A2"])),
        ("A", Some("A2"), Some(vec!["o-A2"])),
        ("A", Some("B1"), None),
        ("A", Some("HQ"), None),
        ("A1", None, Some(vec!["o-A1"])),
        ("A1", Some("A"), None),
    ];
    for (user, selector, want) in table {
        let path = match selector {
            Some(s) => format!("/api/v1/orders?outlet={s}"),
            None => "/api/v1/orders".to_owned(),
        };
        let (s, v) = h.get(&path, &token(user)).await;
        match want {
            None => assert_eq!((s, code(&v)), (403, "forbidden"), "{user} {selector:?}"),
            Some(mut want) => {
                assert_eq!(s, 200, "{user} {selector:?}: {v}");
                want.sort();
                assert_eq!(
                    numbers(v["orders"].as_array().unwrap()),
                    want,
                    "{user} {selector:?}"
                );
                assert_eq!(v["total"].as_i64().unwrap() as usize, want.len());
            }
        }
    }
    // Paged by the server: pages of 4 cover all 9 once, oldest first.
    let mut seen = Vec::new();
    for offset in [0, 4, 8] {
        let (s, v) = h
            .get(&format!("/api/v1/orders?limit=4&offset={offset}"), &hq)
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["total"], 9);
        let page = v["orders"].as_array().unwrap();
        assert_eq!(page.len(), if offset == 8 { 1 } else { 4 });
        seen.extend(page.iter().cloned());
    }
    let placed: Vec<&str> = seen
        .iter()
        .map(|o| o["created_at"].as_str().unwrap())
        .collect();
    assert!(
        placed.windows(2).all(|w| w[0] <= w[1]),
        "oldest first: {placed:?}"
    );
    assert_eq!(numbers(&seen).len(), 9);
    assert_eq!(numbers(&seen), numbers(&h.feed(&hq, None).await.0));
    // The change feed gives each user their whole view and nothing else.
    let (orders, _, _) = h.feed(&a, None).await;
    assert_eq!(numbers(&orders), ["o-A", "o-A1", "o-A2"]);
    let (orders, _, _) = h.feed(&a1, None).await;
    assert_eq!(numbers(&orders), ["o-A1"]);
    let (orders, _, _) = h.feed(&hq, None).await;
    assert_eq!(orders.len(), 9);
}

#[tokio::test]
async fn query_outside_the_subtree_shows_status_only() {
    let (h, _) = network().await;
    place_orders(&h).await;
    let a1 = h.login("clerk.a1", "pass-word-1").await;
    let (s, v) = h.get("/api/v1/orders/o-B1", &a1).await;
    assert_eq!(s, 200);
    assert_eq!(v["order_no"], "o-B1");
    assert_eq!(v["status"], "pending");
    assert_eq!(v["current_outlet_code"], "B1");
    assert!(
        v.get("shipper").is_none(),
        "no customer data outside the subtree: {v}"
    );
    let (s, v) = h.get("/api/v1/orders/o-A1", &a1).await;
    assert_eq!(s, 200);
    assert_eq!(v["shipper"]["name"], "张三");
    assert_eq!(h.get("/api/v1/orders/no-such", &a1).await.0, 404);
    assert_eq!(h.get("/api/v1/orders/o-B1/events", &a1).await.0, 403);
}

#[tokio::test]
async fn actions_follow_the_state_machine_and_log_events() {
    let (h, _) = network().await;
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
    let (s, ev) = h.get("/api/v1/orders/o-A1/events", &a1).await;
    assert_eq!(s, 200);
    let actions: Vec<_> = ev
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["created", "contacted", "accept", "pickup_failed"]);
    let last = ev.as_array().unwrap().last().unwrap();
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

#[tokio::test]
async fn the_same_key_replays_and_another_body_is_refused() {
    let (h, _) = network().await;
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
    let (_, ev) = h.get("/api/v1/orders/o-A/events", &a).await;
    assert_eq!(
        ev.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "accept")
            .count(),
        1
    );
    let other =
        json!({"action": "accept", "weight_g": 2000, "volume_cm3": 0, "pickup_required": false});
    let (s, v) = h.act(&a, "o-A", "same-key", other).await;
    assert_eq!((s, code(&v)), (422, "idempotency_key_reused"));
}

#[tokio::test]
async fn two_clerks_race_and_the_loser_sees_who_won() {
    let (h, _) = network().await;
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

#[tokio::test]
async fn the_same_action_sent_twice_at_once_has_one_effect() {
    let (h, _) = network().await;
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
    let (_, ev) = h.get("/api/v1/orders/o-A/events", &a).await;
    assert_eq!(ev.as_array().unwrap().len(), 2, "created + one accept");
}

#[tokio::test]
async fn dispatch_remembers_the_account_outlet() {
    let h = TestHub::start(true).await;
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
#[tokio::test]
async fn orders_sent_at_once_are_each_answered_and_stored_once() {
    let h = TestHub::start(true).await;
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
    let mut answers = Vec::new();
    while let Some(a) = sent.join_next().await {
        answers.push(a.expect("task"));
    }
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
    let (_, ev) = h.get("/api/v1/orders/burst-07/events", &t).await;
    assert_eq!(ev.as_array().map(Vec::len), Some(1), "{ev}");
}

#[tokio::test]
async fn customer_cancel_before_and_after_acceptance() {
    let (h, _) = network().await;
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

#[tokio::test]
async fn the_feed_reports_orders_that_left_the_view() {
    let (h, _) = network().await;
    place_orders(&h).await;
    let a1 = h.login("clerk.a1", "pass-word-1").await;
    let disp = h.login("disp", "pass-word-1").await;
    let (orders, removed, cursor) = h.feed(&a1, None).await;
    assert_eq!(numbers(&orders), ["o-A1"]);
    assert!(removed.is_empty());
    // Nothing changed: an empty page, same place.
    let (orders, removed, cursor2) = h.feed(&a1, Some(&cursor)).await;
    assert!(orders.is_empty() && removed.is_empty());
    // The clerk returns it: it leaves their view.
    let (s, _) = h
        .act(
            &a1,
            "o-A1",
            "r1",
            json!({"action": "return", "reason_code": "unreachable", "note": ""}),
        )
        .await;
    assert_eq!(s, 200);
    let (orders, removed, cursor3) = h.feed(&a1, Some(&cursor2)).await;
    assert!(orders.is_empty());
    assert_eq!(removed, ["o-A1"]);
    // HQ reassigns it back: it returns.
    let (s, _) = h
        .act(
            &disp,
            "o-A1",
            "r2",
            json!({"action": "assign", "outlet_code": "A1"}),
        )
        .await;
    assert_eq!(s, 200);
    let (orders, _, _) = h.feed(&a1, Some(&cursor3)).await;
    assert_eq!(numbers(&orders), ["o-A1"]);
    // Cursors are checked.
    let (s, v) = h.get("/api/v1/orders/changes?cursor=garbage", &a1).await;
    assert_eq!((s, code(&v)), (400, "invalid_cursor"));
    let a = h.login("clerk.a", "pass-word-1").await;
    let (s, v) = h
        .get(&format!("/api/v1/orders/changes?cursor={cursor3}"), &a)
        .await;
    assert_eq!(
        (s, code(&v)),
        (410, "view_changed"),
        "another user's cursor"
    );
    let (s, v) = h.get("/api/v1/orders/changes", &a1).await;
    assert_eq!(s, 200);
    assert!(v["server_time"].is_string());
}

#[tokio::test]
async fn an_outlet_moved_to_another_branch_makes_both_branches_resync() {
    let (h, admin) = network().await;
    place_orders(&h).await;
    let a = h.login("clerk.a", "pass-word-1").await;
    let (orders, _, cursor) = h.feed(&a, None).await;
    assert_eq!(numbers(&orders), ["o-A", "o-A1", "o-A2"]);
    // A2 moves from branch A to branch B: A's clerk must drop its orders,
    // which an incremental page would never say.
    h.move_outlet(&admin, "A2", "B").await;
    let (s, v) = h
        .get(&format!("/api/v1/orders/changes?cursor={cursor}"), &a)
        .await;
    assert_eq!(
        (s, code(&v)),
        (410, "view_changed"),
        "the view changed: resync"
    );
    let (orders, _, fresh) = h.feed(&a, None).await;
    assert_eq!(numbers(&orders), ["o-A", "o-A1"]);
    let (s, _) = h
        .get(&format!("/api/v1/orders/changes?cursor={fresh}"), &a)
        .await;
    assert_eq!(s, 200, "the new cursor works");
    // A cursor from ahead of this database (a restored backup) is refused
    // rather than skipping every order up to it.
    let tag = fresh.split_once('.').unwrap().1;
    let (s, v) = h
        .get(&format!("/api/v1/orders/changes?cursor=999999.{tag}"), &a)
        .await;
    assert_eq!((s, code(&v)), (410, "cursor_expired"), "{v}");
}

#[tokio::test]
async fn a_branch_dispatcher_assigns_only_inside_the_branch() {
    let (h, admin) = network().await;
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

#[tokio::test]
async fn an_upstream_outlet_code_with_spaces_still_reaches_that_outlet() {
    let (h, _) = network().await;
    let (s, v) = h
        .inbound(inbound("o-sp", "acct-sp", "无网点之城", Some(" A1 ")))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["current_outlet_code"], "A1");
    let a1 = h.login("clerk.a1", "pass-word-1").await;
    let (orders, _, _) = h.feed(&a1, None).await;
    assert_eq!(numbers(&orders), ["o-sp"]);
}

/// `wait=` at the head: the answer comes as soon as an order reaches the
/// clerk's view (not after the wait), a change elsewhere does not end the
/// wait, and with nothing new the answer is empty after the wait.
#[tokio::test]
async fn a_long_poll_wakes_on_a_change_in_view_and_times_out_empty() {
    let (h, _) = network().await;
    place_orders(&h).await;
    let a1 = h.login("clerk.a1", "pass-word-1").await;
    let (_, _, head) = h.feed(&a1, None).await;

    // Nothing new: empty after the wait, with a cursor to go on from.
    let t = std::time::Instant::now();
    let (s, v) = h
        .get(&format!("/api/v1/orders/changes?cursor={head}&wait=1"), &a1)
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(
        t.elapsed() >= std::time::Duration::from_millis(900),
        "waited"
    );
    assert!(v["orders"].as_array().unwrap().is_empty(), "{v}");

    // API.md: 1..30 seconds; anything else is refused, not held.
    for bad in ["0", "31", "9223372036854775808"] {
        let (s, v) = h
            .get(
                &format!("/api/v1/orders/changes?cursor={head}&wait={bad}"),
                &a1,
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (400, Some("invalid_query")),
            "wait={bad}: {v}"
        );
    }

    // An order for B1 (not A1's) and then one for A1 while A1 waits.
    let url = h.url(&format!("/api/v1/orders/changes?cursor={head}&wait=20"));
    let http = h.http.clone();
    let token = a1.clone();
    let t = std::time::Instant::now();
    let waiting = tokio::spawn(async move {
        let r = http.get(url).bearer_auth(token).send().await.unwrap();
        (
            r.status().as_u16(),
            r.json::<Value>().await.unwrap(),
            t.elapsed(),
        )
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (s, v) = h
        .inbound(inbound("o-B1-new", "acct-x", "无网点之城", Some("B1")))
        .await;
    assert_eq!(s, 201, "{v}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "a change outside the view keeps it waiting"
    );
    let (s, v) = h
        .inbound(inbound("o-A1-new", "acct-y", "无网点之城", Some("A1")))
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v, took) = waiting.await.unwrap();
    assert_eq!(s, 200, "{v}");
    assert_eq!(numbers(v["orders"].as_array().unwrap()), ["o-A1-new"]);
    assert!(
        took < std::time::Duration::from_secs(2),
        "at once, not after the wait: {took:?}"
    );
}

/// A waiting branch clerk whose view grows (an office moved under the
/// branch) hears it at once as view_changed, and a waiting dispatcher
/// (the whole network) is woken by an order anywhere.
#[tokio::test]
async fn a_long_poll_ends_when_the_view_changes_and_hq_hears_every_order() {
    let (h, admin) = network().await;
    place_orders(&h).await;
    let a = h.login("clerk.a", "pass-word-1").await;
    let disp = h.login("disp", "pass-word-1").await;
    let (_, _, a_head) = h.feed(&a, None).await;
    let (_, _, d_head) = h.feed(&disp, None).await;
    let poll = |token: String, head: String| {
        let url = h.url(&format!("/api/v1/orders/changes?cursor={head}&wait=20"));
        let http = h.http.clone();
        let t = std::time::Instant::now();
        tokio::spawn(async move {
            let r = http.get(url).bearer_auth(token).send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap(),
                t.elapsed(),
            )
        })
    };
    let dispatcher = poll(disp, d_head);
    let clerk = poll(a, a_head);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let (s, v) = h
        .inbound(inbound("o-B1-late", "acct-z", "无网点之城", Some("B1")))
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v, took) = dispatcher.await.unwrap();
    assert_eq!(s, 200, "{v}");
    assert_eq!(numbers(v["orders"].as_array().unwrap()), ["o-B1-late"]);
    assert!(took < std::time::Duration::from_secs(2), "{took:?}");
    assert!(!clerk.is_finished(), "B1's order is not in A's view");

    h.move_outlet(&admin, "B1", "A").await;
    let (s, v, took) = clerk.await.unwrap();
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (410, Some("view_changed")),
        "{v}"
    );
    assert!(took < std::time::Duration::from_secs(2), "{took:?}");
}

/// Issue 13: `printed` records a print in any state and changes nothing
/// else; 打印次数 counts them; an unknown document or copies out of range
/// is 422.
#[tokio::test]
async fn printed_is_recorded_in_any_state_and_counted() {
    let (h, _) = network().await;
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
    let (s, ev) = h.get("/api/v1/orders/o-A1/events", &a1).await;
    assert_eq!(s, 200);
    let prints: Vec<_> = ev
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["action"] == "printed")
        .map(|e| (e["from_status"].clone(), e["to_status"].clone()))
        .collect();
    assert_eq!(prints, vec![(json!("pending"), json!("pending")); 2]);
}
