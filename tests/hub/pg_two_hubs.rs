//! Two order-hub processes on one PostgreSQL database (issue 15), as the
//! national deployment runs them behind a load balancer: eight writers
//! spread over both hubs, a feed reader pulling through each, and one hub
//! killed with SIGKILL mid-burst and started again. Every write is resent
//! with the same key until it is answered; afterwards every order exists
//! once with exactly one effect of each write, and each reader saw every
//! order reach its final state, each version at most once and in order.

use std::collections::{BTreeMap, HashMap};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{self, ADMIN_PW, UPSTREAM, pg::PgCluster};

const WRITERS: usize = 8;
const ORDERS_EACH: usize = 24;
/// Hub B is killed once this many writes have been answered.
const KILL_AFTER: usize = WRITERS * ORDERS_EACH / 3;

/// One `order-hub` process on the shared database.
struct HubProcess {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn spawn(database: &str, port: u16, dir: &std::path::Path) -> HubProcess {
    let child = Command::new(env!("CARGO_BIN_EXE_order-hub"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(dir)
        .args(["--database", database, "--demo", "--write-rate", "1000"])
        .env("ORDER_HUB_ADMIN_PASSWORD", ADMIN_PW)
        .env("ORDER_HUB_DEMO_PASSWORD", common::DEMO_PW)
        .env("ORDER_HUB_UPSTREAM_TOKEN", UPSTREAM)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start order-hub");
    HubProcess {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

async fn wait_ready(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(Instant::now() < deadline, "{base} never became ready");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Sends one request until some hub answers it (a refused connection or a
/// 5xx goes to the other hub next): the client's resend, same body, same
/// key.
async fn until_answered(
    http: &reqwest::Client,
    bases: &[String; 2],
    first: usize,
    send: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
) -> (StatusCode, Value) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut i = first;
    loop {
        if let Ok(r) = send(http, &bases[i % 2]).send().await {
            let status = r.status();
            if !status.is_server_error() {
                let body = r.json::<Value>().await.unwrap_or(Value::Null);
                return (status, body);
            }
        }
        assert!(Instant::now() < deadline, "no hub answered for 120 s");
        i += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn login(http: &reqwest::Client, base: &str, login: &str, pw: &str) -> String {
    let v: Value = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"login": login, "password": pw}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login body");
    v["token"].as_str().expect("token").to_owned()
}

/// A GET's JSON answer.
async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> Value {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("the hub answers")
        .json()
        .await
        .expect("a JSON body")
}

/// What one reader saw: every (order, version) delivered, in order.
type Seen = Vec<(String, i64)>;

/// Pulls the whole network's feed through `base` until `done` and then
/// until the feed is at its head.
async fn read_feed(base: String, token: String, done: Arc<AtomicBool>) -> Seen {
    let http = reqwest::Client::new();
    let mut cursor: Option<String> = None;
    let mut seen = Seen::new();
    loop {
        let finished = done.load(Ordering::SeqCst);
        let mut url = format!("{base}/api/v1/orders/changes?limit=50");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = match http.get(&url).bearer_auth(&token).send().await {
            Ok(r) if r.status().is_success() => r.json::<Value>().await.ok(),
            // This hub is down (killed): try again once it is back.
            _ => None,
        };
        let Some(page) = page else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        for o in page["orders"].as_array().into_iter().flatten() {
            let no = o["order_no"].as_str().unwrap_or_default().to_owned();
            seen.push((no, o["version"].as_i64().unwrap_or(-1)));
        }
        cursor = page["cursor"].as_str().map(str::to_owned);
        let more = page["more"].as_bool().unwrap_or(false);
        if finished && !more {
            return seen;
        }
        if !more {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hubs_one_database_survive_a_sigkill_mid_burst() {
    let Some(cluster) = PgCluster::or_skip() else {
        return;
    };
    let database = cluster.database("two_hubs").await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (port_a, port_b) = (free_port(), free_port());
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut a = spawn(&database, port_a, dir_a.path());
    wait_ready(&http, &a.base).await;
    let mut b = spawn(&database, port_b, dir_b.path());
    wait_ready(&http, &b.base).await;
    let bases = [a.base.clone(), b.base.clone()];

    // A session made through A holds on B: sessions live in the database.
    let admin = login(&http, &a.base, "admin", ADMIN_PW).await;
    let outlets = get_json(&http, &format!("{}/api/v1/outlets", b.base), &admin).await;
    let targets: Vec<String> = outlets["outlets"]
        .as_array()
        .expect("the outlet list")
        .iter()
        .filter(|o| o["kind"] == "outlet")
        .filter_map(|o| o["code"].as_str().map(str::to_owned))
        .take(4)
        .collect();
    assert!(
        targets.len() >= 2,
        "the demo network has outlets: {outlets}"
    );

    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = bases
        .iter()
        .map(|base| tokio::spawn(read_feed(base.clone(), admin.clone(), done.clone())))
        .collect();

    let answered = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (http, bases, admin, targets, answered) = (
            http.clone(),
            bases.clone(),
            admin.clone(),
            targets.clone(),
            answered.clone(),
        );
        writers.push(tokio::spawn(async move {
            let mut placed = Vec::new();
            for j in 0..ORDERS_EACH {
                let no = format!("two-{w}-{j}");
                let body = common::inbound(&no, "ali-two", "扬州", None);
                let (s, v) = until_answered(&http, &bases, w + j, |c, base| {
                    c.post(format!("{base}/api/v1/inbound/orders"))
                        .bearer_auth(UPSTREAM)
                        .json(&body)
                })
                .await;
                assert!(s == 201 || s == 200, "inbound {no}: {s} {v}");
                // Then an administrator sends it on, with one key however
                // often the request is resent.
                let to = targets[(w + j) % targets.len()].clone();
                let assign = json!({"action": "assign", "outlet_code": to});
                let key = format!("assign-{no}");
                let (s, v) = until_answered(&http, &bases, w + j + 1, |c, base| {
                    c.post(format!("{base}/api/v1/orders/{no}/actions"))
                        .bearer_auth(&admin)
                        .header("Idempotency-Key", &key)
                        .json(&assign)
                })
                .await;
                assert_eq!(s, 200, "assign {no}: {v}");
                answered.fetch_add(2, Ordering::SeqCst);
                placed.push((no, to));
            }
            placed
        }));
    }

    // SIGKILL B mid-burst, then start it again on the same port.
    while answered.load(Ordering::SeqCst) < KILL_AFTER {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    b.child.kill().expect("SIGKILL hub B");
    b.child.wait().expect("hub B gone");
    tokio::time::sleep(Duration::from_millis(500)).await;
    b = spawn(&database, port_b, dir_b.path());
    wait_ready(&http, &b.base).await;

    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for wr in writers {
        expected.extend(wr.await.expect("writer"));
    }
    assert_eq!(expected.len(), WRITERS * ORDERS_EACH);
    done.store(true, Ordering::SeqCst);
    let mut seen_by = Vec::new();
    for r in readers {
        seen_by.push(r.await.expect("reader"));
    }

    // The database: each order once, at its outlet, assigned exactly once.
    let mut finals: HashMap<String, i64> = HashMap::new();
    for (i, (no, to)) in expected.iter().enumerate() {
        let base = &bases[i % 2];
        let o = get_json(&http, &format!("{base}/api/v1/orders/{no}"), &admin).await;
        assert_eq!(o["current_outlet_code"].as_str(), Some(to.as_str()), "{o}");
        finals.insert(no.clone(), o["version"].as_i64().expect("version"));
        let events = get_json(&http, &format!("{base}/api/v1/orders/{no}/events"), &admin).await;
        let assigns = events
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["action"] == "assign")
            .count();
        assert_eq!(
            assigns, 1,
            "{no}: one assign however often resent: {events}"
        );
    }

    // Each reader: every change of ours reached it, none twice, in order.
    for (r, seen) in seen_by.iter().enumerate() {
        let mut last: HashMap<&str, i64> = HashMap::new();
        for (no, version) in seen {
            if let Some(before) = last.insert(no, *version) {
                assert!(
                    *version > before,
                    "reader {r}: {no} went from version {before} to {version}"
                );
            }
        }
        for (no, version) in &finals {
            assert_eq!(
                last.get(no.as_str()),
                Some(version),
                "reader {r} never saw {no} at its final version"
            );
        }
    }
    let _ = a.child.kill();
    let _ = b.child.kill();
    let _ = a.child.wait();
    let _ = b.child.wait();
}
