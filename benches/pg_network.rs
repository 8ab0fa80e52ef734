//! An outlet write at national size on both engines (issue 15): the
//! generator's network and orders served by a hub on SQLite and by one on
//! PostgreSQL (the same data, copied by `order-hub migrate`), and the time
//! of each outlet write through the API — what the closure, scope index,
//! report counters and view epochs cost around it. No goal is set for
//! these (an administrator's write); they are printed side by side.
//!
//! `cargo bench --bench pg_network` (20,000 outlets, 100,000 orders);
//! `BENCH_OUTLETS`, `BENCH_ORDERS` to change the size. PostgreSQL: the
//! cluster in `ORDER_HUB_TEST_PG` (scripts/test.sh's), else a throw-away
//! one from scripts/pg-test.sh. CI does not run it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use outlet_desk::hub::generate::{GenerateOptions, generate};
use outlet_desk::hub::{self, HubConfig};
use serde_json::{Value, json};

const PASSWORD: &str = "pg-network-bench-1";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A database for the bench: in `ORDER_HUB_TEST_PG`'s cluster, or in a
/// cluster started in `dir` (stopped by [`stop_cluster`]). Returns its
/// URL, the server's (to drop it from) and whether the cluster is ours.
async fn database(dir: &Path) -> (String, String, bool) {
    let (server, own) = match std::env::var("ORDER_HUB_TEST_PG") {
        Ok(url) => (url, false),
        Err(_) => {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-test.sh");
            let ok = Command::new("bash")
                .arg(&script)
                .arg("start")
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "PostgreSQL did not start");
            let url = std::fs::read_to_string(dir.join("database_url")).expect("url");
            (url.trim().to_owned(), true)
        }
    };
    let name = format!("pg_network_bench_{}", std::process::id());
    let c = hub::pg::connect(&server).await.expect("connect");
    c.batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let (base, _) = server.rsplit_once('/').expect("a database in the URL");
    (format!("{base}/{name}"), server, own)
}

fn stop_cluster(dir: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-test.sh");
    let _ = Command::new("bash")
        .arg(script)
        .arg("stop")
        .arg(dir)
        .status();
}

struct Api {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Api {
    async fn new(url: String) -> Api {
        let http = reqwest::Client::new();
        let v: Value = http
            .post(format!("{url}/api/v1/session"))
            .json(&json!({"login": "gen.admin", "password": PASSWORD}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("session");
        let token = v["token"].as_str().expect("token").to_owned();
        Api { http, url, token }
    }

    /// Sends one request; panics unless it succeeds.
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token);
        if let Some(b) = &body {
            req = req.json(b);
            if let Some(v) = b["version"].as_i64() {
                req = req.header("If-Match", format!("\"{v}\""));
            }
        }
        let r = req.send().await.expect("send");
        let status = r.status();
        let v = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }

    async fn outlet(&self, code: &str) -> Value {
        let v = self
            .send(reqwest::Method::GET, "/api/v1/outlets", None)
            .await;
        v["outlets"]
            .as_array()
            .and_then(|l| l.iter().find(|o| o["code"] == code))
            .cloned()
            .unwrap_or_else(|| panic!("no outlet {code}"))
    }
}

/// The median of `n` runs of `step` (each given its run number).
async fn median<F: AsyncFnMut(usize)>(n: usize, mut step: F) -> Duration {
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        step(i).await;
        v.push(t.elapsed());
    }
    v.sort();
    v[n / 2]
}

/// The outlet writes' times on one hub: (what, median).
async fn figures(api: &Api, busiest: &str) -> Vec<(&'static str, Duration)> {
    let mut out = Vec::new();
    let home = api.outlet(busiest).await;
    let parent = home["parent_code"].as_str().expect("a parent").to_owned();
    let grand = api.outlet(&parent).await["parent_code"]
        .as_str()
        .expect("a grandparent")
        .to_owned();
    let leaf = |i: usize| {
        json!({"code": format!("BENCH-{i}"), "name": format!("测试网点{i}"), "kind": "outlet",
            "parent_code": parent, "province": "江苏省", "city": "扬州", "district": "",
            "address": "", "phone": "", "urban": true, "latitude": null, "longitude": null,
            "accepts_ali_orders": true, "active": true})
    };
    let post = reqwest::Method::POST;
    let put = reqwest::Method::PUT;
    out.push((
        "add an empty outlet",
        median(5, async |i| {
            api.send(post.clone(), "/api/v1/outlets", Some(leaf(i)))
                .await;
        })
        .await,
    ));
    // The outlet is read once; each write's answer is the next version.
    let mut o = api.outlet(busiest).await;
    let path = format!("/api/v1/outlets/{busiest}");
    out.push((
        "rename the busiest outlet (no order moves)",
        median(5, async |i| {
            o["name"] = json!(format!("{}{i}", home["name"].as_str().unwrap_or("")));
            o = api.send(put.clone(), &path, Some(o.clone())).await;
        })
        .await,
    ));
    out.push((
        "move the busiest outlet up a level and back",
        median(3, async |_| {
            for to in [&grand, &parent] {
                o["parent_code"] = json!(to);
                o = api.send(put.clone(), &path, Some(o.clone())).await;
            }
        })
        .await,
    ));
    out.push((
        "delete an empty outlet",
        median(5, async |i| {
            api.send(
                reqwest::Method::DELETE,
                &format!("/api/v1/outlets/BENCH-{i}"),
                None,
            )
            .await;
        })
        .await,
    ));
    out
}

fn main() {
    let outlets = env("BENCH_OUTLETS", 20_000);
    let orders = env("BENCH_ORDERS", 100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let lite_dir = dir.path().join("hub");
    let t = Instant::now();
    let summary = generate(&GenerateOptions {
        data_dir: lite_dir.clone(),
        outlets,
        orders,
        seed: 15,
        password: PASSWORD.into(),
        upstream_token: None,
    })
    .expect("generate");
    println!(
        "generated {outlets} outlets, {orders} orders in {:.1} s; busiest outlet {}",
        t.elapsed().as_secs_f64(),
        summary.busiest_outlet
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let cluster = dir.path().join("pg");
    let own_cluster = rt.block_on(async {
        let (url, server, own) = database(&cluster).await;
        let t = Instant::now();
        let opts = hub::migrate::Options {
            from: hub::migrate::Endpoint::Sqlite(lite_dir.join("hub.db")),
            to: hub::migrate::Endpoint::Postgres(url.clone()),
            with_sessions: false,
        };
        tokio::task::spawn_blocking(move || hub::migrate::run(&opts))
            .await
            .expect("join")
            .expect("migrate");
        println!(
            "copied into PostgreSQL in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let listen = ([127, 0, 0, 1], 0).into();
        let lite = hub::start(HubConfig::new(listen, lite_dir.clone()))
            .await
            .expect("SQLite hub");
        let mut cfg = HubConfig::new(listen, dir.path().join("pg-hub"));
        cfg.postgres = Some(url.clone());
        let pg = hub::start(cfg).await.expect("PostgreSQL hub");
        let on_lite = figures(&Api::new(lite.url()).await, &summary.busiest_outlet).await;
        let on_pg = figures(&Api::new(pg.url()).await, &summary.busiest_outlet).await;
        println!(
            "{:<48} {:>12} {:>12}",
            "outlet write (median)", "SQLite", "PostgreSQL"
        );
        for ((what, l), (_, p)) in on_lite.iter().zip(&on_pg) {
            println!("{what:<48} {:>12} {:>12}", ms(*l), ms(*p));
        }
        lite.stop().await;
        pg.stop().await;
        if !own {
            // The shared cluster keeps running: leave nothing in it.
            let name = url
                .rsplit_once('/')
                .map(|(_, n)| n.to_owned())
                .unwrap_or_default();
            let c = hub::pg::connect(&server).await.expect("connect");
            let _ = c
                .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .await;
        }
        own
    });
    if own_cluster {
        stop_cluster(&cluster);
    }
}
