//! order-hub under load and under a login storm (issue 14, RELIABILITY G5).
//!
//! Runs the real `order-hub` binary on 127.0.0.1 (its own process, so its
//! memory and CPU are its own) and prints, with the goals beside them:
//! 1. a login storm: 256 parallel wrong logins, again and again, while a
//!    clerk polls: the poll's p50/p99 and the hub's peak RSS;
//! 2. load: 500 polling clients + 50 inbound orders/s + clerks acting, for
//!    `HUB_LOAD_SECS` seconds (default 60): p50/p99 per route, errors, RSS,
//!    CPU.
//!
//! `cargo bench --bench hub_load` (loopback only). The load generator runs
//! on the same machine: on a busy one (other builds) the latencies measure
//! the machine, not the hub; the hub's own CPU share is printed beside.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ADMIN_PW: &str = "bench-admin-1";
const DEMO_PW: &str = "bench-demo-1";
const UPSTREAM: &str = "bench-upstream-1";
const CLERKS: [&str; 6] = [
    "yz.clerk", "js.clerk", "hz.clerk", "bj.clerk", "xm.clerk", "qz.clerk",
];

/// (status, latency) samples per route.
#[derive(Default)]
struct Samples(Mutex<BTreeMap<&'static str, Vec<(u16, Duration)>>>);

impl Samples {
    fn add(&self, route: &'static str, status: u16, took: Duration) {
        if let Ok(mut m) = self.0.lock() {
            m.entry(route).or_default().push((status, took));
        }
    }

    fn print(&self) {
        let Ok(m) = self.0.lock() else { return };
        for (route, v) in m.iter() {
            let mut t: Vec<Duration> = v.iter().map(|(_, d)| *d).collect();
            t.sort();
            let pct = |p: f64| t[((t.len() as f64 - 1.0) * p) as usize];
            let count = |f: &dyn Fn(u16) -> bool| v.iter().filter(|(s, _)| f(*s)).count();
            let (shed, failed, limited) = (
                count(&|s| s == 503),
                count(&|s| s == 0 || (s >= 500 && s != 503)),
                count(&|s| s == 429),
            );
            println!(
                "  {route:<22} n={:<7} p50={:>7.1} ms  p99={:>7.1} ms  503={shed}  other 5xx/no answer={failed}  429={limited}",
                v.len(),
                pct(0.5).as_secs_f64() * 1e3,
                pct(0.99).as_secs_f64() * 1e3,
            );
        }
    }
}

fn proc_field(pid: u32, file: &str, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0.0)
}

/// (RSS MiB, peak RSS MiB) of the hub process.
fn memory(pid: u32) -> (f64, f64) {
    (
        proc_field(pid, "status", "VmRSS:") / 1024.0,
        proc_field(pid, "status", "VmHWM:") / 1024.0,
    )
}

/// CPU seconds (user + system) the hub has used.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

struct Hub {
    child: std::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_hub() -> Hub {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_order-hub"));
    child
        .args(["--listen", &format!("127.0.0.1:{port}"), "--demo-rate", "0"])
        .arg("--data-dir")
        .arg(dir.path())
        .env("ORDER_HUB_ADMIN_PASSWORD", ADMIN_PW)
        .env("ORDER_HUB_DEMO_PASSWORD", DEMO_PW)
        .env("ORDER_HUB_UPSTREAM_TOKEN", UPSTREAM)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null());
    // Held in `Hub` at once, so its Drop kills and waits on every path.
    let hub = Hub {
        child: child.spawn().expect("order-hub starts"),
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    let c = reqwest::Client::new();
    for _ in 0..600 {
        if c.get(format!("{}/healthz", hub.url)).send().await.is_ok() {
            return hub;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(hub);
    panic!("order-hub did not come up");
}

async fn login(c: &reqwest::Client, url: &str, who: &str, pw: &str) -> String {
    loop {
        let r = c
            .post(format!("{url}/api/v1/session"))
            .json(&json!({"login": who, "password": pw}))
            .send()
            .await;
        if let Ok(r) = r
            && r.status() == 200
            && let Ok(v) = r.json::<Value>().await
            && let Some(t) = v["token"].as_str()
        {
            return t.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn timed(
    samples: &Samples,
    route: &'static str,
    req: reqwest::RequestBuilder,
) -> Option<Value> {
    let t = Instant::now();
    match req.send().await {
        Ok(r) => {
            let s = r.status().as_u16();
            let body = r.json::<Value>().await.ok();
            samples.add(route, s, t.elapsed());
            body.filter(|_| s < 300)
        }
        Err(_) => {
            samples.add(route, 0, t.elapsed());
            None
        }
    }
}

async fn login_storm(hub: &Hub, pid: u32, token: &str) {
    println!("login storm: 256 parallel wrong logins, repeated for 10 s, a clerk polling");
    let (rss0, _) = memory(pid);
    let samples = Arc::new(Samples::default());
    let until = Instant::now() + Duration::from_secs(10);
    let mut storm = Vec::new();
    for i in 0..256 {
        let (url, samples) = (hub.url.clone(), samples.clone());
        storm.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            while Instant::now() < until {
                let req = c
                    .post(format!("{url}/api/v1/session"))
                    .json(&json!({"login": format!("guess{i}"), "password": "wrong"}));
                timed(&samples, "POST /session (storm)", req).await;
            }
        }));
    }
    // The clerk polls from its own thread and runtime, so the 256 storm
    // tasks of this process do not delay it: its latency is the hub's.
    let (url, token, probe) = (hub.url.clone(), token.to_owned(), samples.clone());
    let clerk = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let poller = reqwest::Client::new();
            let mut peak = 0.0f64;
            while Instant::now() < until {
                let req = poller
                    .get(format!("{url}/api/v1/orders/changes"))
                    .bearer_auth(&token);
                timed(&probe, "GET /orders/changes", req).await;
                peak = peak.max(memory(pid).0);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            peak
        })
    });
    let peak = tokio::task::spawn_blocking(move || clerk.join().unwrap_or(0.0))
        .await
        .unwrap_or(0.0);
    for s in storm {
        let _ = s.await;
    }
    samples.print();
    let (rss, hwm) = memory(pid);
    println!(
        "  hub RSS before {rss0:.0} MiB, peak seen {peak:.0} MiB, high-water {hwm:.0} MiB, after {rss:.0} MiB (goal: < 500 MiB; poll p99 < 50 ms)"
    );
}

async fn load(hub: &Hub, pid: u32, secs: u64, tokens: &[String]) {
    println!(
        "load: 500 polling clients + 50 inbound orders/s + {} clerks acting, {secs} s",
        CLERKS.len()
    );
    let samples = Arc::new(Samples::default());
    let cpu0 = cpu_seconds(pid);
    let started = Instant::now();
    let until = started + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    // 500 pollers every 2 s, following cursors. One shared client (its
    // pool opens as many connections as are busy at once): building 500
    // clients would measure this process's certificate loading instead.
    let shared = reqwest::Client::builder()
        .pool_max_idle_per_host(600)
        .build()
        .expect("client");
    for i in 0..500 {
        let (url, samples, token) = (
            hub.url.clone(),
            samples.clone(),
            tokens[i % tokens.len()].clone(),
        );
        let c = shared.clone();
        tasks.push(tokio::spawn(async move {
            let mut cursor = String::new();
            tokio::time::sleep(Duration::from_millis((i as u64 * 4) % 2000)).await;
            while Instant::now() < until {
                let req = c
                    .get(format!(
                        "{url}/api/v1/orders/changes?limit=200&cursor={cursor}"
                    ))
                    .bearer_auth(&token);
                if let Some(v) = timed(&samples, "GET /orders/changes", req).await
                    && let Some(next) = v["cursor"].as_str()
                {
                    cursor = next.to_owned();
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }));
    }
    // 50 inbound orders a second from upstream.
    {
        let (url, samples) = (hub.url.clone(), samples.clone());
        let c = shared.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            let cities = ["扬州", "杭州", "北京", "厦门", "泉州", "南京"];
            let mut n = 0u64;
            while Instant::now() < until {
                tick.tick().await;
                n += 1;
                let body = json!({
                    "order_no": format!("L{n:09}"), "ali_account": format!("acct{}", n % 997),
                    "shipper": {"name": "张三", "phone": "13800000000", "city": cities[(n % 6) as usize], "address": "工业园 1 号"},
                    "consignee": {"name": "李四", "city": "广州", "address": "中山路 2 号"},
                    "cargo": {"name": "服装", "pieces": 3, "weight_g": 12000, "volume_cm3": 60000},
                    "transport_mode": "standard", "declared_value": 150000, "payment": "sender"
                });
                let (c, url, samples) = (c.clone(), url.clone(), samples.clone());
                tokio::spawn(async move {
                    let req = c.post(format!("{url}/api/v1/inbound/orders")).bearer_auth(UPSTREAM).json(&body);
                    timed(&samples, "POST /inbound/orders", req).await;
                });
            }
        }));
    }
    // Clerks: list their pending orders, mark one contacted, accept another.
    for (i, _) in CLERKS.iter().enumerate() {
        let (url, samples, token) = (hub.url.clone(), samples.clone(), tokens[i].clone());
        let c = shared.clone();
        tasks.push(tokio::spawn(async move {
            let mut k = 0u64;
            while Instant::now() < until {
                let req = c
                    .get(format!("{url}/api/v1/orders?status=pending&limit=20"))
                    .bearer_auth(&token);
                let list = timed(&samples, "GET /orders", req).await;
                let orders = list
                    .and_then(|v| v["orders"].as_array().cloned())
                    .unwrap_or_default();
                for o in orders.iter().take(2) {
                    let Some(no) = o["order_no"].as_str() else { continue };
                    k += 1;
                    let body = if k.is_multiple_of(2) {
                        json!({"action": "contacted"})
                    } else {
                        json!({"action": "accept", "weight_g": 12000, "volume_cm3": 60000, "pickup_required": false})
                    };
                    let req = c
                        .post(format!("{url}/api/v1/orders/{no}/actions"))
                        .bearer_auth(&token)
                        .header("Idempotency-Key", format!("bench-{i}-{k}"))
                        .json(&body);
                    timed(&samples, "POST /orders/…/actions", req).await;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }));
    }
    let mut peak = 0.0f64;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        peak = peak.max(memory(pid).0);
    }
    for t in tasks {
        let _ = t.await;
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu0;
    samples.print();
    let (rss, hwm) = memory(pid);
    println!(
        "  hub CPU {cpu:.1} s over {wall:.0} s ({:.0}% of one core); RSS peak seen {peak:.0} MiB, high-water {hwm:.0} MiB, now {rss:.0} MiB",
        cpu / wall * 100.0
    );
    println!("  goals: feed p99 < 50 ms, no 5xx, RSS < 500 MiB");
}

fn main() {
    // 750 client connections need more than the common 1,024 descriptors.
    let _ = outlet_desk::hub::serve::raise_file_limit();
    let secs = std::env::var("HUB_LOAD_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let hub = start_hub().await;
        let pid = hub.child.id();
        // Everyone logs in first: the storm earns 127.0.0.1 the address
        // throttle, which would otherwise hold the clerks' logins back.
        let setup = reqwest::Client::new();
        let mut tokens = Vec::new();
        for who in CLERKS {
            tokens.push(login(&setup, &hub.url, who, DEMO_PW).await);
        }
        tokens.push(login(&setup, &hub.url, "admin", ADMIN_PW).await);
        login_storm(&hub, pid, &tokens[0]).await;
        load(&hub, pid, secs, &tokens).await;
    });
}
