//! Orders through order-hub's API with real tokens, as read back: visibility,
//! the change feed and its long poll, each on both engines (the writes
//! themselves are checked in `conformance_orders`).

use crate::common;

use common::{Engine, TestHub, code, inbound};
use serde_json::{Value, json};

on_both_engines!(
    visibility_table_through_the_api,
    query_outside_the_subtree_shows_status_only,
    the_feed_reports_orders_that_left_the_view,
    an_outlet_moved_to_another_branch_makes_both_branches_resync,
    a_long_poll_wakes_on_a_change_in_view_and_times_out_empty,
    a_long_poll_ends_when_the_view_changes_and_hq_hears_every_order,
);

/// HQ; branches A and B; offices A1, A2 under A and B1 under B; a clerk at
/// A (branch), A1 (office) and a dispatcher at HQ. Each outlet has its own
/// city so city dispatch is predictable. On `engine`; `None` where this
/// machine cannot run it.
pub(crate) async fn network_on(engine: Engine) -> Option<(TestHub, String)> {
    let h = TestHub::start_on(engine, false, |_| {}).await?;
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
    Some((h, t))
}

/// Orders at every place the visibility rules distinguish.
pub(crate) async fn place_orders(h: &TestHub) {
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

pub(crate) fn numbers(list: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = list
        .iter()
        .map(|o| o["order_no"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

async fn visibility_table_through_the_api(engine: Engine) {
    let Some((h, _)) = network_on(engine).await else {
        return;
    };
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

async fn query_outside_the_subtree_shows_status_only(engine: Engine) {
    let Some((h, _)) = network_on(engine).await else {
        return;
    };
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

async fn the_feed_reports_orders_that_left_the_view(engine: Engine) {
    let Some((h, _)) = network_on(engine).await else {
        return;
    };
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

async fn an_outlet_moved_to_another_branch_makes_both_branches_resync(engine: Engine) {
    let Some((h, admin)) = network_on(engine).await else {
        return;
    };
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

/// `wait=` at the head: the answer comes as soon as an order reaches the
/// clerk's view (not after the wait), a change elsewhere does not end the
/// wait, and with nothing new the answer is empty after the wait.
async fn a_long_poll_wakes_on_a_change_in_view_and_times_out_empty(engine: Engine) {
    let Some((h, _)) = network_on(engine).await else {
        return;
    };
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
async fn a_long_poll_ends_when_the_view_changes_and_hq_hears_every_order(engine: Engine) {
    let Some((h, admin)) = network_on(engine).await else {
        return;
    };
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
