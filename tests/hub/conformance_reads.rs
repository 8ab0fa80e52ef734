//! Order READS on both engines (issue 15): the change feed, the order
//! list, one order, its events and the conversion report, each check run
//! once on SQLite (`conformance_reads::sqlite::`) and once on PostgreSQL
//! (`conformance_reads::postgres::`), against the demo with its seeded
//! orders. On PostgreSQL the hub makes the demo itself, on its first start
//! on an empty database.
//!
//! These checks only read what the demo holds; the write-driven feed
//! tests (`removed`, a moved outlet's `view_changed`, waking on a new
//! order) are in orders.rs, on both engines too. The PostgreSQL-only
//! checks below: the same answers as SQLite from the same data, a write
//! through one hub waking a long poll on another, and the first start on
//! an empty database.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use crate::common;

use common::pg::PgCluster;
use common::{ADMIN_PW, DEMO_PW, Engine, TestHub, code};
use outlet_desk::hub;
use serde_json::{Value, json};

on_both_engines!(
    the_feed_gives_each_user_their_view_once,
    the_list_pages_oldest_first_with_exact_counts,
    one_order_shows_in_full_only_inside_the_view,
    the_demo_report_sums_up_and_drills_down;
    postgres_only: reads_answer_alike_on_both_engines, a_write_through_one_hub_wakes_a_long_poll_on_the_other, an_order_moved_leaves_one_view_and_wakes_the_other_on_another_hub, hubs_starting_together_on_an_empty_database_make_one_first_start,
);

/// The demo's first start with its seeded orders (SQLite's, in `dir`):
/// no generator runs, so the data holds still.
async fn demo_sqlite(dir: &std::path::Path) {
    let mut cfg = common::config(dir, true);
    cfg.demo_rate = 6; // the demo seeds its orders only with a rate
    tokio::task::spawn_blocking(move || {
        let guard = hub::guard::Guard::new(cfg.limits.clone());
        let mut c = hub::db::open(&cfg.data_dir.join("hub.db")).expect("open");
        hub::demo::first_start(&mut c, &cfg, &guard.password_workers()).expect("first start");
    })
    .await
    .expect("join");
}

fn test_hub(
    hub: hub::RunningHub,
    dir: tempfile::TempDir,
    pg: Option<(PgCluster, String)>,
) -> TestHub {
    TestHub {
        hub,
        dir,
        http: reqwest::Client::new(),
        pg,
    }
}

/// A hub on `engine` serving the demo with its seeded orders.
async fn demo(engine: Engine) -> Option<TestHub> {
    let dir = tempfile::tempdir().expect("temp dir");
    match engine {
        Engine::Sqlite => {
            demo_sqlite(dir.path()).await;
            let hub = hub::start(common::config(dir.path(), true))
                .await
                .expect("hub starts");
            Some(test_hub(hub, dir, None))
        }
        Engine::Postgres => {
            let cluster = PgCluster::or_skip()?;
            let url = cluster.database("reads").await;
            let mut cfg = common::config(dir.path(), true);
            cfg.demo_rate = 6;
            cfg.postgres = Some(url.clone());
            let hub = hub::start(cfg)
                .await
                .expect("first start on an empty PostgreSQL");
            Some(test_hub(hub, dir, Some((cluster, url))))
        }
    }
}

/// Each outlet's parent, from the outlet list.
async fn parents(h: &TestHub, token: &str) -> HashMap<String, Option<String>> {
    let (s, v) = h.get("/api/v1/outlets", token).await;
    assert_eq!(s, 200, "{v}");
    v["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["code"].as_str().unwrap().to_owned(),
                o["parent_code"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// Whether `code` is `root` or below it.
fn within(parents: &HashMap<String, Option<String>>, code: Option<&str>, root: &str) -> bool {
    let mut at = code.map(str::to_owned);
    while let Some(c) = at {
        if c == root {
            return true;
        }
        at = parents.get(&c).cloned().flatten();
    }
    false
}

/// Whether a user at `root` (below HQ) sees order `o` (SPEC 3.1: where it
/// is, or who billed it).
fn seen_from(parents: &HashMap<String, Option<String>>, o: &Value, root: &str) -> bool {
    within(parents, o["current_outlet_code"].as_str(), root)
        || within(parents, o["billing_outlet_code"].as_str(), root)
}

fn numbers<'a>(orders: impl IntoIterator<Item = &'a Value>) -> BTreeSet<String> {
    orders
        .into_iter()
        .map(|o| o["order_no"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_feed_gives_each_user_their_view_once(engine: Engine) {
    let Some(h) = demo(engine).await else {
        return;
    };
    let admin = h.admin().await;
    let (all, removed, head) = h.feed(&admin, None).await;
    assert!(all.len() >= 36, "the demo's orders: {}", all.len());
    assert!(removed.is_empty());
    assert_eq!(numbers(&all).len(), all.len(), "each order once");
    // The whole network's feed holds what every status's list counts.
    let statuses: BTreeSet<&str> = all.iter().map(|o| o["status"].as_str().unwrap()).collect();
    let mut counted = 0;
    for s in &statuses {
        let (st, v) = h
            .get(&format!("/api/v1/orders?status={s}&limit=1"), &admin)
            .await;
        assert_eq!(st, 200, "{v}");
        counted += v["total"].as_i64().unwrap();
    }
    assert_eq!(counted as usize, all.len());

    // A branch clerk gets the branch's orders, every one, and no other.
    let parents = parents(&h, &admin).await;
    let js = h.login("js.clerk", DEMO_PW).await;
    let (mine, _, js_head) = h.feed(&js, None).await;
    let want = numbers(all.iter().filter(|o| seen_from(&parents, o, "JS")));
    assert!(!want.is_empty(), "the demo has orders in JS");
    assert_eq!(numbers(&mine), want);
    assert_eq!(numbers(&mine).len(), mine.len(), "each order once");

    // At the head: an empty page that keeps its place.
    for (token, at) in [(&admin, &head), (&js, &js_head)] {
        let (s, v) = h
            .get(&format!("/api/v1/orders/changes?cursor={at}"), token)
            .await;
        assert_eq!(s, 200, "{v}");
        assert!(v["orders"].as_array().unwrap().is_empty(), "{v}");
        assert!(v["removed"].as_array().unwrap().is_empty(), "{v}");
        assert_eq!(v["cursor"].as_str(), Some(at.as_str()));
        assert_eq!(v["more"], false);
        assert!(v["server_time"].is_string());
    }

    // Cursors are checked: garbage, another user's, one from the future.
    let (s, v) = h.get("/api/v1/orders/changes?cursor=garbage", &js).await;
    assert_eq!((s, code(&v)), (400, "invalid_cursor"));
    let yz = h.login("yz.clerk", DEMO_PW).await;
    let (s, v) = h
        .get(&format!("/api/v1/orders/changes?cursor={js_head}"), &yz)
        .await;
    assert_eq!(
        (s, code(&v)),
        (410, "view_changed"),
        "another user's cursor"
    );
    let tag = js_head.split_once('.').unwrap().1;
    let (s, v) = h
        .get(&format!("/api/v1/orders/changes?cursor=999999.{tag}"), &js)
        .await;
    assert_eq!((s, code(&v)), (410, "cursor_expired"), "{v}");

    // A long poll at the head with nothing new: empty after the wait.
    let t = Instant::now();
    let (s, v) = h
        .get(
            &format!("/api/v1/orders/changes?cursor={js_head}&wait=1"),
            &js,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(t.elapsed() >= Duration::from_millis(900), "waited");
    assert!(v["orders"].as_array().unwrap().is_empty(), "{v}");
    for bad in ["0", "31"] {
        let (s, v) = h
            .get(
                &format!("/api/v1/orders/changes?cursor={js_head}&wait={bad}"),
                &js,
            )
            .await;
        assert_eq!((s, code(&v)), (400, "invalid_query"), "wait={bad}");
    }
}

/// Every page of one status's list, by offset.
async fn pages(h: &TestHub, token: &str, query: &str, page: usize) -> (Vec<Value>, i64) {
    let mut seen = Vec::new();
    let mut total = 0;
    for offset in (0..).step_by(page) {
        let (s, v) = h
            .get(
                &format!("/api/v1/orders?{query}&limit={page}&offset={offset}"),
                token,
            )
            .await;
        assert_eq!(s, 200, "{query}: {v}");
        total = v["total"].as_i64().unwrap();
        let got = v["orders"].as_array().unwrap();
        seen.extend(got.iter().cloned());
        if got.len() < page {
            break;
        }
    }
    (seen, total)
}

async fn the_list_pages_oldest_first_with_exact_counts(engine: Engine) {
    let Some(h) = demo(engine).await else {
        return;
    };
    let admin = h.admin().await;
    let (all, _, _) = h.feed(&admin, None).await;
    let parents = parents(&h, &admin).await;
    let statuses: BTreeSet<&str> = all.iter().map(|o| o["status"].as_str().unwrap()).collect();
    for s in &statuses {
        let (seen, total) = pages(&h, &admin, &format!("status={s}"), 5).await;
        let want = numbers(all.iter().filter(|o| o["status"] == *s));
        assert_eq!(numbers(&seen), want, "{s}");
        assert_eq!(total as usize, want.len(), "{s}");
        assert_eq!(seen.len(), want.len(), "{s}: each order once");
        let placed: Vec<&str> = seen
            .iter()
            .map(|o| o["created_at"].as_str().unwrap())
            .collect();
        assert!(
            placed.windows(2).all(|w| w[0] <= w[1]),
            "{s} oldest first: {placed:?}"
        );
    }

    // A clerk's list is their subtree's; another branch's is refused.
    let js = h.login("js.clerk", DEMO_PW).await;
    let (mine, total) = pages(&h, &js, "status=pending", 4).await;
    assert_eq!(total as usize, mine.len());
    assert!(!mine.is_empty(), "the demo has pending orders in JS");
    assert!(
        mine.iter().all(|o| seen_from(&parents, o, "JS")),
        "{mine:?}"
    );
    let (yz, _) = pages(&h, &js, "status=pending&outlet=JS-YZ", 4).await;
    assert!(numbers(&yz).is_subset(&numbers(&mine)));
    for other in ["BJ", "HQ"] {
        let (s, v) = h.get(&format!("/api/v1/orders?outlet={other}"), &js).await;
        assert_eq!((s, code(&v)), (403, "forbidden"), "{other}");
    }
    let (s, v) = h.get("/api/v1/orders?status=nonsense", &js).await;
    assert_eq!(s, 400, "{v}");
    // HQ's own selector is the pool: orders at HQ, at no outlet or at an
    // unknown one.
    let (pool, _) = pages(&h, &admin, "status=pending&outlet=HQ", 10).await;
    for o in &pool {
        let at = o["current_outlet_code"].as_str().unwrap_or_default();
        assert!(
            at.is_empty() || at == "HQ" || !parents.contains_key(at),
            "{o}"
        );
    }
}

async fn one_order_shows_in_full_only_inside_the_view(engine: Engine) {
    let Some(h) = demo(engine).await else {
        return;
    };
    let admin = h.admin().await;
    let parents = parents(&h, &admin).await;
    let (all, _, _) = h.feed(&admin, None).await;
    let inside = all
        .iter()
        .find(|o| seen_from(&parents, o, "JS"))
        .expect("an order in JS");
    let outside = all
        .iter()
        .find(|o| !seen_from(&parents, o, "JS") && o["current_outlet_code"].is_string())
        .expect("an order outside JS");
    let js = h.login("js.clerk", DEMO_PW).await;
    let no = |o: &Value| o["order_no"].as_str().unwrap().to_owned();

    let (s, v) = h.get(&format!("/api/v1/orders/{}", no(inside)), &js).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(&v, inside, "in full, as the feed has it");
    let (s, v) = h
        .get(&format!("/api/v1/orders/{}/events", no(inside)), &js)
        .await;
    assert_eq!(s, 200, "{v}");
    let events = v.as_array().unwrap();
    assert!(!events.is_empty(), "at least its arrival");
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "oldest first: {seqs:?}"
    );

    // Outside the view: status and outlets only, no history.
    let (s, v) = h.get(&format!("/api/v1/orders/{}", no(outside)), &js).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], outside["status"]);
    assert_eq!(v["current_outlet_code"], outside["current_outlet_code"]);
    assert!(v.get("shipper").is_none(), "no customer data: {v}");
    let (s, _) = h
        .get(&format!("/api/v1/orders/{}/events", no(outside)), &js)
        .await;
    assert_eq!(s, 403);
    let (s, v) = h
        .get(&format!("/api/v1/orders/{}", no(outside)), &admin)
        .await;
    assert_eq!((s, &v), (200, outside), "HQ sees it in full");

    for path in ["/api/v1/orders/no-such", "/api/v1/orders/no-such/events"] {
        let (s, v) = h.get(path, &js).await;
        assert_eq!((s, code(&v)), (404, "not_found"), "{path}");
    }
}

/// Moved from report.rs: the demo's report has numbers, and the orders
/// behind the total page through by offset, each once.
async fn the_demo_report_sums_up_and_drills_down(engine: Engine) {
    let Some(h) = demo(engine).await else {
        return;
    };
    let admin = h.admin().await;
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let from = today - chrono::Duration::days(30);
    let (s, r) = h
        .get(
            &format!("/api/v1/reports/ali_conversion?from={from}&to={today}"),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let fields = [
        "valid",
        "billed",
        "billed_for_others",
        "billed_by_others",
        "returned",
        "pickup_failed",
        "cancelled",
        "open",
        "ali_discount_fen",
    ];
    let children = r["children"].as_array().unwrap();
    for f in fields {
        let sum: i64 = children.iter().map(|c| c[f].as_i64().unwrap()).sum();
        assert_eq!(
            sum,
            r["total"][f].as_i64().unwrap(),
            "children sum to the total: {f}"
        );
    }
    assert!(r["total"]["billed"].as_i64().unwrap() > 0, "{r}");
    assert!(r["total"]["billed_for_others"].as_i64().unwrap() > 0, "{r}");
    let billing = children
        .iter()
        .filter(|c| c["billed"].as_i64().unwrap() > 0)
        .count();
    assert!(billing >= 2, "{r}");
    assert!(r["target_percent"].as_i64().unwrap() > 0);
    let days: i64 = r["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["valid"].as_i64().unwrap())
        .sum();
    assert_eq!(
        days,
        r["total"]["valid"].as_i64().unwrap(),
        "the days sum to the total"
    );
    // A branch below HQ: its children sum to it too, and it is refused to
    // another branch's clerk.
    let (s, js) = h
        .get(
            &format!("/api/v1/reports/ali_conversion?from={from}&to={today}&outlet=JS"),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{js}");
    assert_eq!(js["outlet_code"], "JS");
    let yz = h.login("yz.clerk", DEMO_PW).await;
    let (s, _) = h
        .get(
            &format!("/api/v1/reports/ali_conversion?from={from}&to={today}&outlet=JS"),
            &yz,
        )
        .await;
    assert_eq!(s, 403);

    let list = |q: String| {
        let (h, admin) = (&h, &admin);
        async move {
            h.get(
                &format!("/api/v1/reports/ali_conversion/orders?from={from}&to={today}&{q}"),
                admin,
            )
            .await
        }
    };
    let mut seen = BTreeSet::new();
    let mut total = None;
    let page = 7;
    for offset in (0..).step_by(page) {
        let (s, v) = list(format!("limit={page}&offset={offset}")).await;
        assert_eq!(s, 200, "{v}");
        let orders = v["orders"].as_array().unwrap();
        total = Some(v["total"].as_i64().unwrap());
        for o in orders {
            assert!(
                seen.insert(o["order_no"].as_str().unwrap().to_owned()),
                "{o}"
            );
        }
        if orders.len() < page {
            break;
        }
    }
    assert!(seen.len() > page, "more than one page: {}", seen.len());
    assert_eq!(Some(seen.len() as i64), total);
    // Each column's drill-down counts what the report says.
    for (column, field) in [
        ("valid", "valid"),
        ("billed", "billed"),
        ("billed_for_others", "billed_for_others"),
    ] {
        let (s, v) = list(format!("column={column}&limit=1")).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["total"], r["total"][field], "{column}");
    }
    let (s, v) = list("part=pool&limit=1000".to_owned()).await;
    assert_eq!(s, 200, "{v}");
    for q in ["limit=0", "limit=1001", "limit=-5", "offset=-1"] {
        let (s, v) = list(q.to_owned()).await;
        assert_eq!((s, code(&v)), (400, "invalid_query"), "{q}: {v}");
    }
    for q in ["part=nope", "column=nope"] {
        let (s, _) = list(q.to_owned()).await;
        assert_eq!(s, 422, "{q}");
    }
}

/// `v` without what differs between two answers of the same data: the
/// time of the answer, and an event's time below the microsecond
/// (PostgreSQL keeps microseconds, SQLite's text nanoseconds).
fn comparable(mut v: Value) -> Value {
    match &mut v {
        Value::Object(m) => {
            m.remove("server_time");
            m.remove("as_of");
            for (k, x) in m.iter_mut() {
                if k == "at"
                    && let Some(t) = x
                        .as_str()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                {
                    *x = json!(t.timestamp_micros());
                } else {
                    *x = comparable(x.take());
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| *x = comparable(x.take())),
        _ => {}
    }
    v
}

/// The same data served by a hub on each engine gives the same answers:
/// the SQLite demo copied by `order-hub migrate`'s code, then every read
/// route asked the same questions of both.
async fn reads_answer_alike_on_both_engines() {
    let dir = tempfile::tempdir().expect("temp dir");
    demo_sqlite(dir.path()).await;
    let Some(pg) = TestHub::served_on_postgres(dir, true, |_| {}).await else {
        return;
    };
    // The SQLite hub serves the same file the copy was made from.
    let lite = hub::start(common::config(pg.dir.path(), true))
        .await
        .expect("SQLite hub");
    let http = reqwest::Client::new();
    let ask = |base: String, token: String, path: String| {
        let http = http.clone();
        async move {
            let r = http
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .header("Accept-Language", "en")
                .send()
                .await
                .expect("send");
            let status = r.status().as_u16();
            (
                status,
                comparable(r.json::<Value>().await.unwrap_or(Value::Null)),
            )
        }
    };
    let login = |base: String, login: &'static str, pw: &'static str| {
        let http = http.clone();
        async move {
            let v: Value = http
                .post(format!("{base}/api/v1/session"))
                .json(&json!({"login": login, "password": pw}))
                .send()
                .await
                .expect("send")
                .json()
                .await
                .expect("json");
            v["token"].as_str().expect("token").to_owned()
        }
    };
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let from = today - chrono::Duration::days(30);
    let mut paths = vec![
        format!("/api/v1/reports/ali_conversion?from={from}&to={today}"),
        format!("/api/v1/reports/ali_conversion?from={from}&to={today}&outlet=JS"),
        format!("/api/v1/reports/ali_conversion/orders?from={from}&to={today}&limit=1000"),
        format!(
            "/api/v1/reports/ali_conversion/orders?from={from}&to={today}&column=billed_by_others&outlet=JS"
        ),
        format!(
            "/api/v1/reports/ali_conversion/orders?from={from}&to={today}&part=own&outlet=JS-YZ"
        ),
        format!(
            "/api/v1/reports/ali_conversion/orders?from={from}&to={today}&part=pool&column=returned"
        ),
        "/api/v1/orders/changes?cursor=garbage".to_owned(),
        "/api/v1/orders/no-such".to_owned(),
    ];
    for status in ["pending", "accepted", "billed", "returned", "cancelled"] {
        for outlet in ["", "HQ", "JS", "JS-YZ", "ZJ"] {
            paths.push(format!(
                "/api/v1/orders?status={status}&outlet={outlet}&limit=500"
            ));
        }
    }
    let mut compared = 0;
    for (user, pw) in [
        ("admin", ADMIN_PW),
        ("js.clerk", DEMO_PW),
        ("yz.clerk", DEMO_PW),
        ("hz.clerk", DEMO_PW),
    ] {
        let (tl, tp) = (
            login(lite.url(), user, pw).await,
            login(pg.hub.url(), user, pw).await,
        );
        // The whole feed, page by page: the same pages and cursors.
        let mut cursor = String::new();
        loop {
            let path = format!("/api/v1/orders/changes?limit=5&cursor={cursor}");
            let a = ask(lite.url(), tl.clone(), path.clone()).await;
            let b = ask(pg.hub.url(), tp.clone(), path.clone()).await;
            assert_eq!(a, b, "{user} {path}");
            assert_eq!(a.0, 200, "{user} {path}: {:?}", a.1);
            compared += 1;
            cursor = a.1["cursor"].as_str().unwrap().to_owned();
            if a.1["more"] != true {
                break;
            }
        }
        let (_, list) = ask(
            lite.url(),
            tl.clone(),
            "/api/v1/orders?status=pending&limit=500".to_owned(),
        )
        .await;
        let mut mine = paths.clone();
        for o in list["orders"].as_array().unwrap().iter().take(8) {
            let no = o["order_no"].as_str().unwrap();
            mine.push(format!("/api/v1/orders/{no}"));
            mine.push(format!("/api/v1/orders/{no}/events"));
        }
        for path in mine {
            let a = ask(lite.url(), tl.clone(), path.clone()).await;
            let b = ask(pg.hub.url(), tp.clone(), path.clone()).await;
            assert_eq!(a, b, "{user} {path}");
            compared += 1;
        }
    }
    assert!(compared > 150, "{compared} answers compared");
    lite.stop().await;
    pg.hub.stop().await;
}

/// Hub A's write wakes a long poll held by hub B at once (LISTEN/NOTIFY),
/// and after B's listening connection is cut, B reconnects and still
/// hears the next write.
async fn a_write_through_one_hub_wakes_a_long_poll_on_the_other() {
    let Some(a) = demo(Engine::Postgres).await else {
        return;
    };
    let b = a.another_hub().await;
    let admin = a.admin().await;
    let clerk = a.login("yz.clerk", DEMO_PW).await;
    let (_, _, head) = a.feed(&clerk, None).await;
    let poll = |value: i64| {
        let url = format!("{}/api/v1/orders/changes?cursor={head}&wait=20", b.url());
        let http = a.http.clone();
        let token = clerk.clone();
        let put = a.url("/api/v1/parameters/sla.overdue_minutes");
        let admin = admin.clone();
        async move {
            let t = Instant::now();
            let waiting = tokio::spawn({
                let http = http.clone();
                async move {
                    let r = http.get(url).bearer_auth(token).send().await.expect("send");
                    (
                        r.status().as_u16(),
                        r.json::<Value>().await.expect("json"),
                        t.elapsed(),
                    )
                }
            });
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert!(!waiting.is_finished(), "nothing new yet: it waits");
            let r = http
                .put(put)
                .bearer_auth(admin)
                .json(&json!({"value": value}))
                .send()
                .await
                .expect("send");
            assert_eq!(r.status(), 200, "the write through hub A");
            waiting.await.expect("join")
        }
    };
    let (_, before) = a
        .get(&format!("/api/v1/orders/changes?cursor={head}"), &clerk)
        .await;
    let (s, v, took) = poll(45).await;
    assert_eq!(s, 200, "{v}");
    assert!(
        v["params_revision"].as_i64() > before["params_revision"].as_i64(),
        "B's answer carries A's change: {v}"
    );
    assert!(
        took < Duration::from_secs(3),
        "at once, not after the wait: {took:?}"
    );

    // Cut B's listening connection (and A's): B reconnects by itself.
    let pg = outlet_desk::hub::pg::connect(&a.pg.as_ref().expect("on PostgreSQL").1)
        .await
        .expect("connect");
    let cut = pg
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE application_name = $1 AND datname = current_database()",
            &[&outlet_desk::hub::pg::listen::APPLICATION_NAME],
        )
        .await
        .expect("terminate");
    assert_eq!(cut.len(), 2, "one listener per hub");
    let (s, v, took) = poll(50).await;
    assert_eq!(s, 200, "{v}");
    assert!(
        took < Duration::from_secs(5),
        "heard after reconnecting: {took:?}"
    );
    b.stop().await;
}

/// Two hubs started at once on one empty database: one first start (one
/// HQ, one admin, the demo once), both serving; and a database that
/// cannot be reached is named without its password.
async fn hubs_starting_together_on_an_empty_database_make_one_first_start() {
    let Some(cluster) = PgCluster::or_skip() else {
        return;
    };
    let url = cluster.database("together").await;
    let (d1, d2) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let cfg = |dir: &std::path::Path| {
        let mut c = common::config(dir, true);
        c.demo_rate = 6;
        c.postgres = Some(url.clone());
        c
    };
    let (h1, h2) = tokio::join!(hub::start(cfg(d1.path())), hub::start(cfg(d2.path())));
    let (h1, h2) = (h1.expect("hub 1"), h2.expect("hub 2"));
    let h1 = test_hub(h1, d1, None);
    let admin = h1.admin().await;
    let (_, v) = h1.get("/api/v1/outlets", &admin).await;
    let hq = v["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "hq")
        .count();
    assert_eq!(hq, 1, "one HQ");
    let (orders, _, _) = h1.feed(&admin, None).await;
    assert_eq!(numbers(&orders).len(), orders.len());
    let r = h1
        .http
        .get(format!("{}/api/v1/orders?limit=1", h2.url()))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "the other hub serves the same database");
    for hub in [h1.hub.url(), h2.url()] {
        let r = h1
            .http
            .get(format!("{hub}/readyz"))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200, "ready: the database takes a write");
    }
    h2.stop().await;

    let dir = tempfile::tempdir().expect("dir");
    let mut c = common::config(dir.path(), false);
    c.postgres = Some("postgres://hub:s3cret-pw@127.0.0.1:1/orders".into());
    let e = hub::start(c).await.err().expect("no database there");
    assert!(e.contains("cannot connect to PostgreSQL"), "{e}");
    assert!(e.contains("127.0.0.1:1") && !e.contains("s3cret-pw"), "{e}");
}

/// An order moved from 扬州 (JS-YZ) to 杭州 (ZJ-HZ) through hub A: the
/// 杭州 clerk's long poll held by hub B answers at once with it, the 扬州
/// clerk's next page names it removed, and the 扬州 clerk now gets only
/// its status.
async fn an_order_moved_leaves_one_view_and_wakes_the_other_on_another_hub() {
    let Some(a) = demo(Engine::Postgres).await else {
        return;
    };
    let b = a.another_hub().await;
    let admin = a.admin().await;
    let parents = parents(&a, &admin).await;
    let (all, _, _) = a.feed(&admin, None).await;
    let moving = all
        .iter()
        .find(|o| {
            within(&parents, o["current_outlet_code"].as_str(), "JS-YZ")
                && o["billing_outlet_code"].is_null()
                && o["status"] == "pending"
        })
        .expect("an unbilled pending order at 扬州")["order_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let yz = a.login("yz.clerk", DEMO_PW).await;
    let hz = a.login("hz.clerk", DEMO_PW).await;
    let (_, _, yz_head) = a.feed(&yz, None).await;
    let (_, _, hz_head) = a.feed(&hz, None).await;
    let url = format!("{}/api/v1/orders/changes?cursor={hz_head}&wait=20", b.url());
    let http = a.http.clone();
    let t = Instant::now();
    let waiting = tokio::spawn(async move {
        let r = http.get(url).bearer_auth(hz).send().await.expect("send");
        (
            r.status().as_u16(),
            r.json::<Value>().await.expect("json"),
            t.elapsed(),
        )
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "nothing new for 杭州 yet");
    let assign = json!({"action": "assign", "outlet_code": "ZJ-HZ"});
    let (s, v) = a.act(&admin, &moving, "move-1", assign).await;
    assert_eq!(s, 200, "{v}");
    let (s, v, took) = waiting.await.expect("join");
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        numbers(v["orders"].as_array().unwrap()),
        BTreeSet::from([moving.clone()])
    );
    assert!(
        took < Duration::from_secs(3),
        "at once, not after the wait: {took:?}"
    );

    let (s, v) = a
        .get(&format!("/api/v1/orders/changes?cursor={yz_head}"), &yz)
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["orders"].as_array().unwrap().is_empty(), "{v}");
    assert_eq!(v["removed"], json!([moving]));
    let (s, v) = a.get(&format!("/api/v1/orders/{moving}"), &yz).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["current_outlet_code"], "ZJ-HZ");
    assert!(v.get("shipper").is_none(), "out of 扬州's view: {v}");
    b.stop().await;
}
