//! order-hub under abuse (RELIABILITY G5, G6, scenarios 19-21): a login
//! storm, guessing, floods of writes, oversize and control-character
//! input, idle and slow connections, a full database. Loopback only, each
//! bounded in count and time; each asserts the hub stays up and answers
//! its real clients. What touches storage runs on both engines; what the
//! HTTP layer or the hub process alone answers runs on SQLite (each says
//! why).

use crate::common;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::{DEMO_PW, Engine, TestHub, code};
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    a_login_storm_gets_bounded_password_work_and_clerks_keep_polling,
    a_deactivated_user_with_the_right_password_is_told_so,
    one_user_flooding_writes_is_told_to_wait_and_others_carry_on,
    oversize_notes_and_bodies_are_refused_and_nothing_is_stored,
    control_characters_in_names_and_numbers_are_refused,
    absurd_upstream_values_are_refused,
    the_idempotency_store_keeps_digests_and_refusals_expire,
    overload_is_shed_with_503_instead_of_queueing_threads,
);

/// Log lines of this test binary, for the audit assertions.
fn log_lines() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        let make = move || Writer(sink.clone());
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_env_filter("warn")
            .with_writer(make)
            .try_init();
        buf
    })
    .clone()
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Writer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logged(needle: &[&str]) -> bool {
    let buf = log_lines();
    let text = String::from_utf8_lossy(&buf.lock().expect("log")).into_owned();
    text.lines().any(|l| needle.iter().all(|n| l.contains(n)))
}

async fn login_raw(h: &TestHub, login: &str, password: &str) -> (u16, Option<u64>, Value) {
    let r = h
        .http
        .post(h.url("/api/v1/session"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, retry, r.json().await.unwrap_or(Value::Null))
}

async fn a_login_storm_gets_bounded_password_work_and_clerks_keep_polling(engine: Engine) {
    // Scenario 19 (scaled to the test machine): one password worker, a
    // short queue; 64 wrong logins at once.
    let Some(h) = TestHub::start_on(engine, true, |c| {
        c.limits.password_workers = 1;
        c.limits.password_queue_wait = Duration::from_millis(50);
        c.limits.max_login_backoff = Duration::from_secs(2);
    })
    .await
    else {
        return;
    };
    let h = Arc::new(h);
    let clerk = h.login("yz.clerk", DEMO_PW).await;
    let storm: Vec<_> = (0..64)
        .map(|i| {
            let h = h.clone();
            tokio::spawn(async move { login_raw(&h, &format!("guess{i}"), "wrong-pass").await })
        })
        .collect();
    // The clerk's feed is answered all through the storm.
    for _ in 0..5 {
        let (s, v) = h.get("/api/v1/orders/changes", &clerk).await;
        assert_eq!(s, 200, "{v}");
    }
    let mut shed = 0;
    for t in storm {
        let (status, retry, body) = t.await.expect("join");
        match status {
            401 => assert_eq!(code(&body), "bad_credentials"),
            429 | 503 => {
                shed += 1;
                assert!(
                    retry.is_some_and(|s| s >= 1),
                    "{status} without Retry-After"
                );
                assert!(!body["error"]["message"].as_str().unwrap_or("").is_empty());
            }
            other => panic!("login storm answered {other}: {body}"),
        }
    }
    assert!(
        shed > 0,
        "64 parallel logins on one worker: some must be shed"
    );
    // The lock-out is bounded: after the wait, the right password works.
    // The lock-out is the hub process's (`guard`), whatever the engine:
    // its wait is sat out once.
    if engine == Engine::Sqlite {
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let (s, _, v) = login_raw(&h, "js.clerk", DEMO_PW).await;
        assert_eq!(s, 200, "{v}");
    }
}

/// The login throttle lives in the hub process (`guard`), not in the
/// database: one engine is enough, and its waits are not doubled.
#[tokio::test]
async fn guessing_one_login_waits_longer_each_time_but_not_for_long() {
    let _ = log_lines();
    let h = TestHub::start_with(true, |c| {
        c.limits.max_login_backoff = Duration::from_secs(2);
    })
    .await;
    let mut throttled = None;
    for i in 0..12 {
        let (s, retry, v) = login_raw(&h, "hz.clerk", "not-the-password").await;
        match s {
            401 => assert_eq!(code(&v), "bad_credentials"),
            429 => {
                assert_eq!(code(&v), "login_throttled");
                throttled = Some((i, retry.expect("Retry-After")));
                break;
            }
            other => panic!("{other}: {v}"),
        }
    }
    let (after, retry) = throttled.expect("guessing is throttled");
    assert!(
        after >= 4,
        "a few mistakes are free (throttled after {after})"
    );
    assert!(retry <= 2, "never longer than the configured cap");
    // Even the right password waits out the throttle …
    let (s, _, _) = login_raw(&h, "hz.clerk", DEMO_PW).await;
    assert_eq!(s, 429);
    // … and then works: an attacker cannot lock the clerk out for long.
    tokio::time::sleep(Duration::from_secs(retry)).await;
    let (s, _, v) = login_raw(&h, "hz.clerk", DEMO_PW).await;
    assert_eq!(s, 200, "{v}");
    assert!(
        logged(&["login failed", "hz.clerk", "127.0.0.1"]),
        "failed logins are logged with login and address"
    );
}

/// A login from its own loopback address, 127.0.0.`n`: only the name's
/// throttle can then refuse it, not the address's.
async fn login_from(h: &TestHub, n: u8, login: &str, password: &str) -> (u16, Option<u64>) {
    let c = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, n]))
        .build()
        .expect("client");
    let r = c
        .post(h.url("/api/v1/session"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .expect("send");
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (r.status().as_u16(), retry)
}

/// The throttle's table is the hub process's (`guard`), whatever the
/// engine: checked once, its waits not doubled.
#[tokio::test]
async fn made_up_logins_from_many_addresses_do_not_push_out_a_guessed_one() {
    // The failure table holds 3 names (10,000 by default): made-up names
    // must not grow it without bound, nor evict a name being guessed at.
    let h = TestHub::start_with(true, |c| {
        c.limits.max_tracked_logins = 3;
    })
    .await;
    let mut addr = 10u8;
    let mut next_addr = || {
        addr += 1;
        addr
    };
    // Someone guesses at hz.clerk until it must wait 8 s: six made-up
    // logins below (each with its password work, in a debug build, on a
    // loaded machine) must fit inside that wait; 4 s did not always.
    loop {
        match login_from(&h, next_addr(), "hz.clerk", "guess").await {
            (401, _) => {}
            (429, Some(wait)) if wait >= 8 => break,
            (429, Some(wait)) => tokio::time::sleep(Duration::from_millis(wait * 1000 + 50)).await,
            other => panic!("guessing answered {other:?}"),
        }
    }
    // Twice the table's size in made-up names, each from its own address.
    for i in 0..6 {
        let (s, _) = login_from(&h, next_addr(), &format!("nobody{i}"), "guess").await;
        assert_eq!(s, 401);
    }
    // hz.clerk is still held off, even with the right password.
    let (s, retry) = login_from(&h, next_addr(), "hz.clerk", DEMO_PW).await;
    assert_eq!(
        (s, retry.is_some()),
        (429, true),
        "the guessed name was forgotten"
    );
    // And the full table still tracks a new name being guessed at.
    let mut refused = None;
    for i in 0..8 {
        match login_from(&h, next_addr(), "new.guess", "guess").await {
            (401, _) => {}
            (429, _) => {
                refused = Some(i);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(refused, Some(5), "after the free failures, new.guess waits");
}

async fn a_deactivated_user_with_the_right_password_is_told_so(engine: Engine) {
    let _ = log_lines();
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let admin = h.admin().await;
    let (_, list) = h.get("/api/v1/staff?outlet_code=FJ-QZ", &admin).await;
    let mut qz = list[0].clone();
    assert_eq!(qz["login"], "qz.clerk");
    let version = qz["version"].as_i64().expect("version");
    qz["active"] = json!(false);
    let (s, v) = h.put("/api/v1/staff/qz.clerk", &admin, version, qz).await;
    assert_eq!(s, 200, "{v}");
    let (s, _, v) = login_raw(&h, "qz.clerk", DEMO_PW).await;
    assert_eq!((s, code(&v)), (403, "account_deactivated"));
    // A wrong password still gets the common message.
    let (s, _, v) = login_raw(&h, "qz.clerk", "wrong-password").await;
    assert_eq!((s, code(&v)), (401, "bad_credentials"));

    // A 403 leaves a trace naming who, from where.
    let clerk = h.login("yz.clerk", DEMO_PW).await;
    let outlet = json!({"code": "YZ-X1", "name": "新网点", "kind": "outlet", "parent_code": "JS-YZ",
        "province": "江苏省", "city": "扬州", "district": "", "address": "", "phone": "",
        "urban": true, "latitude": null, "longitude": null, "accepts_ali_orders": true, "active": true});
    let (s, v) = h.post("/api/v1/outlets", &clerk, outlet).await;
    assert_eq!(s, 403, "{v}");
    assert!(
        logged(&["forbidden", "yz.clerk", "127.0.0.1", "/api/v1/outlets"]),
        "403s are logged"
    );
}

async fn one_user_flooding_writes_is_told_to_wait_and_others_carry_on(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |c| {
        c.limits.writes_per_second = 1.0;
        c.limits.write_burst = 5.0;
    })
    .await
    else {
        return;
    };
    let flooder = h.login("yz.clerk", DEMO_PW).await;
    let other = h.login("hz.clerk", DEMO_PW).await;
    let mut limited = None;
    for i in 0..20 {
        let (s, v) = h
            .act(
                &flooder,
                "NO-SUCH-ORDER",
                &format!("k-{i}"),
                json!({"action": "contacted"}),
            )
            .await;
        if s == 429 {
            limited = Some(v);
            break;
        }
        assert_eq!(s, 404, "{v}");
    }
    let v = limited.expect("the flood is rate limited");
    assert_eq!(code(&v), "rate_limited");
    let r = h
        .http
        .post(h.url("/api/v1/orders/NO-SUCH-ORDER/actions"))
        .bearer_auth(&flooder)
        .header("Idempotency-Key", "k-late")
        .json(&json!({"action": "contacted"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    // Someone else's writes and everyone's reads are not affected.
    let (s, _) = h
        .act(
            &other,
            "NO-SUCH-ORDER",
            "o-1",
            json!({"action": "contacted"}),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = h.get("/api/v1/orders/changes", &flooder).await;
    assert_eq!(s, 200);
    let _ = Method::GET;
}

/// The order `no` in the pool of a demo hub, sent by upstream.
async fn order_at(h: &TestHub, no: &str, outlet: &str) {
    let (s, v) = h
        .inbound(common::inbound(
            no,
            &format!("acct-{no}"),
            "扬州",
            Some(outlet),
        ))
        .await;
    assert_eq!(s, 201, "{v}");
}

async fn raw_post(h: &TestHub, path: &str, token: &str, key: &str, body: String) -> (u16, Value) {
    // A connection of its own: the hub refuses an oversize body before
    // reading it all and closes the connection, which a pooled client
    // could pick up again for the next request ("broken pipe").
    let c = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let r = c
        .post(h.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("send");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn oversize_notes_and_bodies_are_refused_and_nothing_is_stored(engine: Engine) {
    // Scenario 21.
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    order_at(&h, "AB-1", "JS-YZ").await;
    let clerk = h.login("yz.clerk", DEMO_PW).await;
    let before = h.get("/api/v1/orders/AB-1/events", &clerk).await.1;
    // A 100,000-character note: past the action body limit.
    let huge = json!({"action": "return", "reason_code": "other", "note": "长".repeat(100_000)});
    let (s, v) = raw_post(
        &h,
        "/api/v1/orders/AB-1/actions",
        &clerk,
        "n1",
        huge.to_string(),
    )
    .await;
    assert_eq!((s, code(&v)), (413, "body_too_large"));
    // A 2 MB body of anything.
    let (s, v) = raw_post(
        &h,
        "/api/v1/orders/AB-1/actions",
        &clerk,
        "n2",
        format!(
            "{{\"action\":\"contacted\",\"pad\":\"{}\"}}",
            "x".repeat(2 << 20)
        ),
    )
    .await;
    assert_eq!((s, code(&v)), (413, "body_too_large"));
    // Within the body limit but past the note's own cap: 422, naming it.
    let long = json!({"action": "return", "reason_code": "other", "note": "长".repeat(501)});
    let (s, v) = h.act(&clerk, "AB-1", "n3", long).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["fields"][0]["field"], "note");
    assert_eq!(v["error"]["fields"][0]["code"], "too_long");
    // An escape sequence in a note.
    let esc = json!({"action": "return", "reason_code": "other", "note": "ok\u{1b}[2J"});
    let (s, v) = h.act(&clerk, "AB-1", "n4", esc).await;
    assert_eq!(
        (s, v["error"]["fields"][0]["code"].as_str()),
        (422, Some("control_chars"))
    );
    // The order and its history are as before.
    let (_, o) = h.get("/api/v1/orders/AB-1", &clerk).await;
    assert_eq!(
        (o["status"].as_str(), o["current_outlet_code"].as_str()),
        (Some("pending"), Some("JS-YZ"))
    );
    assert_eq!(h.get("/api/v1/orders/AB-1/events", &clerk).await.1, before);
}

async fn control_characters_in_names_and_numbers_are_refused(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let admin = h.admin().await;
    for name in [
        "扬州\0东区",
        "扬州\r\nX-Injected: 1",
        "\u{1b}[31m红色网点",
        "网点\u{202E}exe.txt",
    ] {
        let o = json!({"code": "YZ-X", "name": name, "kind": "outlet", "parent_code": "JS-YZ",
            "province": "江苏省", "city": "扬州", "district": "", "address": "", "phone": "",
            "urban": true, "latitude": null, "longitude": null, "accepts_ali_orders": true, "active": true});
        let (s, v) = h.post("/api/v1/outlets", &admin, o).await;
        assert_eq!(s, 422, "{name:?}: {v}");
        assert_eq!(v["error"]["fields"][0]["code"], "control_chars", "{name:?}");
    }
    for no in ["AB\0-1", "AB-1\r\n", "AB\u{202E}-1"] {
        let (s, v) = h.inbound(common::inbound(no, "acct", "扬州", None)).await;
        assert_eq!(s, 422, "{no:?}: {v}");
    }
    let (_, list) = h.get("/api/v1/orders?status=pending", &admin).await;
    assert_eq!(list["total"], 0, "nothing stored");
}

async fn absurd_upstream_values_are_refused(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let mut heavy = common::inbound("U-1", "acct", "扬州", None);
    heavy["cargo"]["weight_g"] = json!(i64::MAX);
    let (s, v) = h.inbound(heavy).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["fields"][0]["field"], "cargo.weight_g");
    let mut future = common::inbound("U-2", "acct", "扬州", None);
    future["created_at"] = json!("2999-01-01T00:00:00Z");
    let (s, v) = h.inbound(future).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["fields"][0]["code"], "in_future");
    let (s, _) = h
        .inbound(common::inbound("U-3", "acct", "扬州", None))
        .await;
    assert_eq!(s, 201, "a normal order still goes in");
}

async fn the_idempotency_store_keeps_digests_and_refusals_expire(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |c| {
        c.limits.refused_key_ttl = Duration::from_secs(1);
    })
    .await
    else {
        return;
    };
    order_at(&h, "ID-1", "JS-YZ").await;
    let clerk = h.login("yz.clerk", DEMO_PW).await;
    let secret_note = "客户电话 13812345678 改约";
    let body = json!({"action": "return", "reason_code": "no_such_reason", "note": secret_note});
    let (s, first) = h.act(&clerk, "ID-1", "key-r", body.clone()).await;
    assert_eq!(s, 422, "{first}");
    // The same key and body replays the refusal; another body is refused.
    assert_eq!(
        h.act(&clerk, "ID-1", "key-r", body.clone()).await,
        (422, first)
    );
    let (s, v) = h
        .act(&clerk, "ID-1", "key-r", json!({"action": "contacted"}))
        .await;
    assert_eq!((s, code(&v)), (422, "idempotency_key_reused"));
    // The database holds no copy of what the clerk wrote.
    let stored = h.stored_texts("SELECT request FROM idempotency").await;
    assert!(!stored.is_empty());
    assert!(
        stored
            .iter()
            .all(|r| r.starts_with("sha256:") && !r.contains("13812345678"))
    );
    // A refusal is forgotten after its time; the key is free again.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (s, _) = h.act(&clerk, "ID-1", "other-key", body.clone()).await;
    assert_eq!(s, 422);
    let (s, v) = h
        .act(&clerk, "ID-1", "key-r", json!({"action": "contacted"}))
        .await;
    assert_eq!(s, 200, "{v}");
    // An applied answer stays: the same key still replays it.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let _ = h.act(&clerk, "ID-1", "third-key", body).await;
    let (s, again) = h
        .act(&clerk, "ID-1", "key-r", json!({"action": "contacted"}))
        .await;
    assert_eq!((s, again["order_no"].as_str()), (200, Some("ID-1")));
}

/// SQLite only: the size cap is SQLite's (`max_page_count`); a full
/// PostgreSQL disk maps to the same `storage_full` in `postgres.rs`.
#[tokio::test]
async fn a_full_database_answers_503_and_readiness_says_so_while_reads_go_on() {
    // The disk-fill attempt, against a size-capped database.
    let h = TestHub::start_with(true, |c| {
        c.limits.max_db_bytes = Some(2 * 1024 * 1024);
    })
    .await;
    let admin = h.admin().await;
    let (s, _) = h.call(Method::GET, "/readyz", None, None, &[]).await;
    assert_eq!(s, 200);
    let mut full = None;
    for i in 0..5000 {
        let mut o = common::inbound(&format!("F-{i}"), &format!("acct-{i}"), "扬州", None);
        o["remark"] = json!("备注".repeat(200));
        o["snapshot"]["description"] = json!("说明".repeat(450));
        let (s, v) = h.inbound(o).await;
        if s != 201 {
            full = Some((s, v));
            break;
        }
    }
    let (s, v) = full.expect("the capped database fills up");
    assert_eq!((s, code(&v)), (503, "storage_full"), "{v}");
    let (s, _) = h.call(Method::GET, "/healthz", None, None, &[]).await;
    assert_eq!(s, 200, "liveness is unchanged");
    let (s, v) = h.call(Method::GET, "/readyz", None, None, &[]).await;
    assert_eq!((s, code(&v)), (503, "storage_full"));
    let (s, _) = h.get("/api/v1/orders?status=pending", &admin).await;
    assert_eq!(s, 200, "reads go on");
}

async fn status_of(
    h: &TestHub,
    path: &str,
) -> Result<(u16, Option<String>, Value), reqwest::Error> {
    // A fresh client each time: a pooled connection would hide the cap.
    let c = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let r = c.get(h.url(path)).send().await?;
    let s = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((s, retry, r.json().await.unwrap_or(Value::Null)))
}

/// The connection cap is the HTTP server's, in front of either engine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_past_the_cap_are_shed_and_the_hub_recovers_by_itself() {
    // Scenario 20, scaled: 60 idle sockets against a cap of 40.
    use tokio::io::AsyncReadExt;
    let h = TestHub::start_with(false, |c| {
        c.net.max_connections = Some(40);
        c.net.header_timeout = Duration::from_secs(1);
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..60 {
        idle.push(
            tokio::net::TcpStream::connect(h.hub.addr)
                .await
                .expect("connect"),
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (s, retry, v) = status_of(&h, "/healthz")
        .await
        .expect("an answer, not a hang");
    assert_eq!((s, code(&v)), (503, "overloaded"), "{v}");
    assert_eq!(retry.as_deref(), Some("1"));
    // The idle ones are closed by the hub after the header timeout …
    let mut buf = [0u8; 64];
    let first = tokio::time::timeout(Duration::from_secs(5), idle[0].read(&mut buf))
        .await
        .expect("closed within the timeout");
    assert!(
        matches!(first, Ok(0) | Err(_)),
        "the idle socket was closed"
    );
    // … and the hub answers again without anyone's help.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (s, _, _) = status_of(&h, "/healthz").await.expect("answer");
    assert_eq!(s, 200);
}

/// The timeouts are the HTTP server's, in front of either engine.
#[tokio::test]
async fn slow_headers_and_trickled_bodies_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let h = TestHub::start_with(true, |c| {
        c.net.header_timeout = Duration::from_secs(1);
        c.limits.request.body_timeout = Duration::from_secs(1);
    })
    .await;
    // Headers that never end.
    let mut slow = tokio::net::TcpStream::connect(h.hub.addr)
        .await
        .expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(
        r.is_ok(),
        "a connection that never finishes its headers is closed"
    );
    // A body promised but trickled: 408 in our format.
    let token = h.login("yz.clerk", DEMO_PW).await;
    let mut trickle = tokio::net::TcpStream::connect(h.hub.addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/v1/orders/X/actions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nIdempotency-Key: t1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"action\""
    );
    trickle.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(5), trickle.read_to_end(&mut answer)).await;
    assert!(r.is_ok(), "the trickled body is cut off");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
}

async fn overload_is_shed_with_503_instead_of_queueing_threads(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |c| {
        c.limits.db_tasks = 1;
        c.limits.db_queue_wait = Duration::ZERO;
    })
    .await
    else {
        return;
    };
    let h = Arc::new(h);
    let token = loop {
        let (s, _, v) = login_raw(&h, "yz.clerk", DEMO_PW).await;
        if s == 200 {
            break v["token"].as_str().expect("token").to_owned();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let polls: Vec<_> = (0..200)
        .map(|_| {
            let (h, token) = (h.clone(), token.clone());
            tokio::spawn(async move {
                let r = h
                    .http
                    .get(h.url("/api/v1/orders/changes"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("send");
                (r.status().as_u16(), r.headers().contains_key("retry-after"))
            })
        })
        .collect();
    let mut shed = 0;
    for p in polls {
        match p.await.expect("join") {
            (200, _) => {}
            (503, true) => shed += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(
        shed > 0,
        "with one database slot, some of 200 parallel polls are shed"
    );
}

/// Answered by the HTTP layer and the OpenAPI document, in front of
/// either engine.
#[tokio::test]
async fn protocol_errors_come_in_the_json_error_format() {
    let h = TestHub::start(true).await;
    let admin = h.admin().await;
    let send = |req: reqwest::RequestBuilder| async move {
        let r = req.send().await.expect("send");
        let s = r.status().as_u16();
        let ct = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(ct.starts_with("application/json"), "{s}: {ct}");
        assert!(
            !v["error"]["message"].as_str().unwrap_or("").is_empty(),
            "{s}: {v}"
        );
        (s, code(&v).to_owned())
    };
    let url = |p: &str| h.url(p);
    assert_eq!(
        send(h.http.delete(url("/api/v1/parameters")).bearer_auth(&admin)).await,
        (405, "method_not_allowed".into())
    );
    assert_eq!(
        send(
            h.http
                .get(url(&format!("/api/v1/outlets?x={}", "a".repeat(5000))))
                .bearer_auth(&admin)
        )
        .await,
        (414, "uri_too_long".into())
    );
    assert_eq!(
        send(
            h.http
                .get(url("/api/v1/outlets"))
                .bearer_auth(&admin)
                .header("x-pad", "p".repeat(20_000))
        )
        .await,
        (431, "headers_too_large".into())
    );
    assert_eq!(
        send(
            h.http
                .get(url("/api/v1/orders/changes?limit=many"))
                .bearer_auth(&admin)
        )
        .await,
        (400, "invalid_query".into())
    );
    // A weak entity tag can never match in If-Match.
    let (_, list) = h.get("/api/v1/outlets", &admin).await;
    let hq = list["outlets"][0].clone();
    let tag = format!("W/\"{}\"", hq["version"]);
    assert_eq!(
        send(
            h.http
                .put(url("/api/v1/outlets/HQ"))
                .bearer_auth(&admin)
                .header("If-Match", tag)
                .json(&hq)
        )
        .await,
        (400, "weak_etag_not_allowed".into())
    );
    // The OpenAPI document says what the routes do.
    let (_, doc) = h
        .call(Method::GET, "/api/v1/openapi.json", None, None, &[])
        .await;
    let action = &doc["paths"]["/api/v1/orders/{order_no}/actions"]["post"];
    let key = action["parameters"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "Idempotency-Key"))
        .expect("Idempotency-Key documented");
    assert_eq!(key["required"], true);
    // Every operation documents what the shield can answer before any
    // route runs (the 414 and 431 seen above).
    let paths = doc["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for (op, body) in item.as_object().into_iter().flatten() {
            let responses = &body["responses"];
            for code in ["400", "414", "431", "503"] {
                if code == "503" && path == "/healthz" {
                    continue;
                }
                assert!(responses[code].is_object(), "{op} {path} lacks {code}");
            }
        }
    }
    for (path, op) in [
        ("/api/v1/outlets", "get"),
        ("/api/v1/staff", "post"),
        ("/api/v1/orders/changes", "get"),
    ] {
        let responses = &doc["paths"][path][op]["responses"];
        assert!(responses["401"].is_object(), "{op} {path}");
    }
    let note_max =
        &doc["components"]["schemas"]["InboundOrder"]["properties"]["remark"]["maxLength"];
    assert_eq!(
        note_max.as_u64(),
        Some(outlet_desk::domain::text::REMARK_MAX as u64)
    );
}
