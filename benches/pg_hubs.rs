//! order-hub on PostgreSQL against SQLite (issue 15), both in one run:
//! 1. actions/s, list reads/s and inbound orders/s with one hub on SQLite
//!    and 1, 2 and 4 hub processes on one PostgreSQL database, the load
//!    spread round-robin over the hubs;
//! 2. the feed on a national data set (`BENCH_ORDERS`, default 100,000;
//!    1,000,000 for the figure): `order-hub generate` into SQLite,
//!    `order-hub migrate` into PostgreSQL, then the first page, a page at
//!    the head and an empty poll, for HQ and for the largest branch.
//!
//! `cargo bench --bench pg_hubs` (needs PostgreSQL installed: it starts
//! a throw-away cluster with `scripts/pg-test.sh start DIR durable`, or
//! uses `BENCH_PG`, a server URL). Never the tests' cluster
//! (`ORDER_HUB_TEST_PG`): that one runs without fsync, while the SQLite
//! hub waits for its disk at every commit. The header prints the server's
//! durability settings, and its autovacuum's interval (1 s on a
//! cluster of its own: see `fresh_statistics`). `BENCH_HUB_BIN` runs another order-hub binary
//! (an A/B run against a copy of an older build, interleaved with this
//! one); `BENCH_ORDERS=0` skips the national data set. The load runs on the same machine as the hubs and
//! the database: with 2 cores, more hubs share the same CPU, so the figure
//! shows the cost of sharing a database more than the gain of a second
//! machine.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ADMIN_PW: &str = "bench-admin-1";
const DEMO_PW: &str = "bench-demo-1";
const UPSTREAM: &str = "bench-upstream-1";
/// Each load phase runs this long.
const PHASE: Duration = Duration::from_secs(8);
const TASKS: usize = 16;

struct Hub {
    child: Child,
    base: String,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The order-hub binary under test: this build's, or `BENCH_HUB_BIN`.
fn hub_bin() -> String {
    std::env::var("BENCH_HUB_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_order-hub").to_owned())
}

/// Starts `order-hub` on `database` (`None`: SQLite in `dir`).
fn spawn(dir: &std::path::Path, database: Option<&str>, demo: bool) -> Hub {
    let port = free_port();
    let mut c = Command::new(hub_bin());
    c.args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(dir)
        .args(["--write-rate", "1000000"]);
    if let Some(url) = database {
        c.args(["--database", url]);
    }
    if demo {
        c.arg("--demo");
    }
    let child = c
        .env("ORDER_HUB_ADMIN_PASSWORD", ADMIN_PW)
        .env("ORDER_HUB_DEMO_PASSWORD", DEMO_PW)
        .env("ORDER_HUB_UPSTREAM_TOKEN", UPSTREAM)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("order-hub starts");
    Hub {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

async fn ready(http: &reqwest::Client, hub: &Hub) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{}/readyz", hub.base)).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{} never became ready", hub.base);
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

/// Runs `TASKS` copies of `one` (task number, call number, hub base) over
/// the hubs round-robin for [`PHASE`]; answers/s of those that succeeded.
async fn rate<F, Fut>(bases: &[String], one: F) -> (f64, u64)
where
    F: Fn(usize, u64, String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let one = Arc::new(one);
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (one, ok, failed, bases) = (one.clone(), ok.clone(), failed.clone(), bases.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while start.elapsed() < PHASE {
                let base = bases[(t + n as usize) % bases.len()].clone();
                if one(t, n, base).await {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let secs = start.elapsed().as_secs_f64();
    (
        ok.load(Ordering::Relaxed) as f64 / secs,
        failed.load(Ordering::Relaxed),
    )
}

/// Has autovacuum look at every database each second on a cluster of the
/// bench's own. Each configuration's tables grow from empty to tens of
/// thousands of rows within its phases; until autovacuum first analyzes
/// them PostgreSQL plans with no statistics, and with the default minute
/// between looks the first run on a new cluster measured inbound at
/// 1,780–2,415/s, a second run on the same cluster 3,107–3,258/s, and a
/// first run with this setting 3,186/s. A company's tables are analyzed
/// long since; this keeps the bench from measuring plans no running
/// server uses.
async fn fresh_statistics(server_url: &str) {
    let c = outlet_desk::hub::pg::connect(server_url)
        .await
        .expect("connect to PostgreSQL");
    c.batch_execute("ALTER SYSTEM SET autovacuum_naptime = '1s'")
        .await
        .expect("autovacuum_naptime");
    c.batch_execute("SELECT pg_reload_conf()")
        .await
        .expect("reload");
}

/// A fresh database in the cluster at `server_url` (…/order_hub).
/// The server's settings that decide whether a commit waits for the disk.
async fn durability(server_url: &str) -> String {
    let c = outlet_desk::hub::pg::connect(server_url)
        .await
        .expect("connect to PostgreSQL");
    let mut out = Vec::new();
    for name in [
        "fsync",
        "synchronous_commit",
        "full_page_writes",
        "autovacuum_naptime",
    ] {
        let v: String = c
            .query_one(&format!("SHOW {name}"), &[])
            .await
            .expect("SHOW")
            .get(0);
        out.push(format!("{name}={v}"));
    }
    out.join(", ")
}

async fn database(server_url: &str, name: &str) -> String {
    let c = outlet_desk::hub::pg::connect(server_url)
        .await
        .expect("connect to PostgreSQL");
    // Two statements: DROP DATABASE refuses to run inside the implicit
    // transaction of a multi-statement batch.
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        c.batch_execute(&sql).await.expect("create database");
    }
    let (server, _) = server_url.rsplit_once('/').expect("a database in the URL");
    format!("{server}/{name}")
}

/// The load phases against `hubs`; one printed line per figure.
async fn load(label: &str, hubs: &[Hub]) -> [f64; 3] {
    let http = reqwest::Client::new();
    let bases: Vec<String> = hubs.iter().map(|h| h.base.clone()).collect();
    let admin = login(&http, &bases[0], "admin", ADMIN_PW).await;
    let outlets: Value = http
        .get(format!("{}/api/v1/outlets", bases[0]))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("outlets")
        .json()
        .await
        .expect("outlets body");
    let targets: Vec<String> = outlets["outlets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["kind"] == "outlet")
        .filter_map(|o| o["code"].as_str().map(str::to_owned))
        .take(2)
        .collect();
    assert_eq!(targets.len(), 2, "two outlets to send orders between");
    // One order per task, sent back and forth between two outlets.
    for t in 0..TASKS {
        let body = inbound(&format!("act-{t}"));
        http.post(format!("{}/api/v1/inbound/orders", bases[0]))
            .bearer_auth(UPSTREAM)
            .json(&body)
            .send()
            .await
            .expect("inbound");
    }
    let client = http.clone();
    let (token, targets2) = (admin.clone(), targets.clone());
    let (actions, failed_a) = rate(&bases, move |t, n, base| {
        let (c, token) = (client.clone(), token.clone());
        let to = targets2[(n % 2) as usize].clone();
        async move {
            c.post(format!("{base}/api/v1/orders/act-{t}/actions"))
                .bearer_auth(&token)
                .header(
                    "Idempotency-Key",
                    format!("bench-{t}-{n}-{}", std::process::id()),
                )
                .json(&json!({"action": "assign", "outlet_code": to}))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    let (client, token) = (http.clone(), admin.clone());
    let (reads, failed_r) = rate(&bases, move |_, _, base| {
        let (c, token) = (client.clone(), token.clone());
        async move {
            c.get(format!("{base}/api/v1/orders?limit=100"))
                .bearer_auth(&token)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    let client = http.clone();
    let run = std::process::id();
    let (inbound_rate, failed_i) = rate(&bases, move |t, n, base| {
        let c = client.clone();
        async move {
            c.post(format!("{base}/api/v1/inbound/orders"))
                .bearer_auth(UPSTREAM)
                .json(&inbound(&format!("in-{run}-{t}-{n}")))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    println!(
        "  {label:<28} actions/s {actions:>7.0}  list reads/s {reads:>7.0}  inbound/s {inbound_rate:>7.0}  (failed {failed_a}/{failed_r}/{failed_i})"
    );
    [actions, reads, inbound_rate]
}

fn inbound(order_no: &str) -> Value {
    json!({
        "order_no": order_no,
        "logistics_no": format!("WL{order_no}"),
        "ali_account": "bench",
        "shipper": {"name": "张三", "phone": "13800000000", "company": "", "province": "江苏省", "city": "扬州",
                    "district": "", "address": "工业园 1 号"},
        "consignee": {"name": "李四", "phone": "13900000000", "company": "", "province": "广东省", "city": "广州",
                      "district": "", "address": "中山路 2 号"},
        "cargo": {"name": "服装", "pieces": 1, "weight_g": 1000, "volume_cm3": 1000, "packaging": "纸箱"},
        "transport_mode": "standard",
        "pickup_required": true,
        "pickup_time": null,
        "declared_value": 150000,
        "cod_amount": 0,
        "payment": "sender",
        "remark": "",
        "snapshot": {"goods_title": "T恤", "price": 100, "description": ""},
        "trade_status": null,
        "current_outlet_code": null
    })
}

/// p50 and p99 in ms of `n` runs of a feed request.
async fn feed_times(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    cursor: Option<&str>,
    n: usize,
) -> (f64, f64, Option<String>) {
    let mut t = Vec::new();
    let mut next = None;
    for _ in 0..n {
        let mut url = format!("{base}/api/v1/orders/changes?limit=500");
        if let Some(c) = cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let start = Instant::now();
        let v: Value = http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("feed")
            .json()
            .await
            .expect("feed body");
        t.push(start.elapsed().as_secs_f64() * 1e3);
        next = v["cursor"].as_str().map(str::to_owned);
    }
    t.sort_by(f64::total_cmp);
    (t[t.len() / 2], t[(t.len() - 1) * 99 / 100], next)
}

/// The cursor at the head of `token`'s feed.
async fn head(http: &reqwest::Client, base: &str, token: &str) -> String {
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/orders/changes?limit=1000");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let v: Value = http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("feed")
            .json()
            .await
            .expect("feed body");
        cursor = v["cursor"].as_str().map(str::to_owned);
        if !v["more"].as_bool().unwrap_or(false) {
            return cursor.unwrap_or_default();
        }
    }
}

async fn national(server_url: &str, orders: u64) {
    let gen_dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let out = Command::new(hub_bin())
        .args(["generate", "--data-dir"])
        .arg(gen_dir.path())
        .args(["--outlets", "20000", "--orders", &orders.to_string()])
        .env("ORDER_HUB_DEMO_PASSWORD", DEMO_PW)
        .output()
        .expect("generate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let picked: Value = String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .expect("the generator's JSON line");
    println!(
        "  generated {orders} orders in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let url = database(server_url, "bench_national").await;
    let started = Instant::now();
    let out = Command::new(hub_bin())
        .args(["migrate", "--from"])
        .arg(format!(
            "sqlite:{}",
            gen_dir.path().join("hub.db").display()
        ))
        .args(["--to", &url])
        .output()
        .expect("migrate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "  copied into PostgreSQL in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let branch = picked["largest_branch"]
        .as_str()
        .unwrap_or("")
        .to_lowercase();
    let http = reqwest::Client::new();
    let pg_dir = tempfile::tempdir().expect("temp dir");
    for (label, hub) in [
        ("SQLite", spawn(gen_dir.path(), None, false)),
        ("PostgreSQL", spawn(pg_dir.path(), Some(&url), false)),
    ] {
        ready(&http, &hub).await;
        for who in ["gen.admin".to_owned(), format!("{branch}.clerk")] {
            let token = login(&http, &hub.base, &who, DEMO_PW).await;
            let (p50, p99, _) = feed_times(&http, &hub.base, &token, None, 9).await;
            let at_head = head(&http, &hub.base, &token).await;
            let (e50, e99, _) = feed_times(&http, &hub.base, &token, Some(&at_head), 21).await;
            println!(
                "  {label:<10} {who:<16} first page (500) p50 {p50:>7.1} ms p99 {p99:>7.1}   empty poll at the head p50 {e50:>6.2} ms p99 {e99:>6.2} (goal ≤ 2 ms)"
            );
        }
    }
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let own_cluster = tempfile::tempdir().expect("temp dir");
    let server_url = match std::env::var("BENCH_PG") {
        Ok(url) => url,
        Err(_) => {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg-test.sh");
            let ok = Command::new("bash")
                .args([script, "start"])
                .arg(own_cluster.path())
                .arg("durable")
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                println!("pg_hubs: no PostgreSQL here (scripts/pg-test.sh start failed)");
                return;
            }
            std::fs::read_to_string(own_cluster.path().join("database_url"))
                .expect("database_url")
                .trim()
                .to_owned()
        }
    };
    let own = std::env::var("BENCH_PG").is_err();
    rt.block_on(async {
        if own {
            fresh_statistics(&server_url).await;
        }
        let http = reqwest::Client::new();
        println!(
            "order-hub, SQLite vs PostgreSQL ({TASKS} clients, {} s a phase, {})",
            PHASE.as_secs(),
            hub_bin()
        );
        println!(
            "  SQLite: WAL, synchronous=FULL; PostgreSQL: {}",
            durability(&server_url).await
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let sqlite = [spawn(dir.path(), None, true)];
        ready(&http, &sqlite[0]).await;
        let base = load("SQLite, 1 hub", &sqlite).await;
        drop(sqlite);
        for n in [1usize, 2, 4] {
            let url = database(&server_url, &format!("bench_hubs_{n}")).await;
            let dirs: Vec<_> = (0..n).map(|_| tempfile::tempdir().expect("temp dir")).collect();
            let mut hubs = Vec::new();
            for d in &dirs {
                let h = spawn(d.path(), Some(&url), true);
                // The first start seeds the database; the others join it.
                ready(&http, &h).await;
                hubs.push(h);
            }
            let got = load(&format!("PostgreSQL, {n} hub(s)"), &hubs).await;
            if n == 1 {
                println!(
                    "  PostgreSQL / SQLite, one hub: actions {:.2}×, reads {:.2}×, inbound {:.2}× (goal ≥ 0.5×)",
                    got[0] / base[0],
                    got[1] / base[1],
                    got[2] / base[2]
                );
            }
        }
        let orders = std::env::var("BENCH_ORDERS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100_000u64);
        if orders > 0 {
            national(&server_url, orders).await;
        }
    });
    if std::env::var("BENCH_PG").is_err() {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg-test.sh");
        let _ = Command::new("bash")
            .args([script, "stop"])
            .arg(own_cluster.path())
            .status();
    }
}
