//! National-scale figures (issue 11): the generator's network (20,000
//! outlets) and order history, the hub's feed, list and inbound costs, and
//! the client's cold sync, list pages and start at that size — each printed
//! with its goal and, where one exists, an anchor measured in the same run.
//!
//! `cargo bench --bench national` (1,000,000 orders);
//! `BENCH_ORDERS=100000 cargo bench --bench national` for everyday use;
//! `BENCH_ONLY=client`, `BENCH_ONLY=report` or `BENCH_ONLY=inbound` for one
//! side's figures.
//! CI does not run it.

use std::time::{Duration, Instant};

use outlet_desk::domain::{OutletKind, OutletTree, Status};
use outlet_desk::hub::generate::{GenerateOptions, generate};
use outlet_desk::hub::{self, HubConfig, demo};
use outlet_desk::store::{ListFilter, PageQuery, SortOrder, Store};
use outlet_desk::sync::HubClient;
use outlet_desk::sync::engine::Engine;

/// The generator's summary, as the bench reads it back.
#[derive(serde::Deserialize)]
struct Summary {
    largest_branch: String,
    busiest_outlet: String,
    tiniest_outlet_with_pending: String,
}

const PASSWORD: &str = "national-bench-1";
const UPSTREAM: &str = "national-upstream";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn line(what: &str, goal: &str, measured: String) {
    println!("{what:<58} goal {goal:<28} measured {measured}");
}

/// Times `f` `n` times: (p50, p99).
fn time<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut v: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    (percentile(&mut v, 0.5), percentile(&mut v, 0.99))
}

fn main() {
    // `RUST_LOG=outlet_desk=debug`: where a cold sync's time goes, run by run.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let orders: usize = std::env::var("BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let outlets: usize = std::env::var("BENCH_OUTLETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().expect("tempdir");
    // `BENCH_HUB_DIR`: generate there once and reuse it on later runs
    // (the generator alone takes a while; client figures do not change
    // the orders it wrote).
    let kept = std::env::var_os("BENCH_HUB_DIR").map(std::path::PathBuf::from);
    let hub_dir = kept.clone().unwrap_or_else(|| dir.path().join("hub"));
    let saved = hub_dir.join("bench-summary.json");
    let summary = match std::fs::read_to_string(&saved)
        .ok()
        .and_then(|s| serde_json::from_str::<Summary>(&s).ok())
    {
        Some(s) if kept.is_some() => {
            println!("  reusing the network and orders in {}", hub_dir.display());
            s
        }
        _ => {
            let t = Instant::now();
            let summary = generate(&GenerateOptions {
                data_dir: hub_dir.clone(),
                outlets,
                orders,
                seed: 11,
                password: PASSWORD.into(),
                upstream_token: Some(UPSTREAM.into()),
            })
            .expect("generate");
            line(
                &format!("generate {outlets} outlets, {orders} orders"),
                "≤ 180 s at 1M",
                format!("{:.1} s", t.elapsed().as_secs_f64()),
            );
            let text = serde_json::to_string(&summary).unwrap_or_default();
            println!("  {text}");
            if kept.is_some() {
                std::fs::write(&saved, &text).expect("summary");
            }
            serde_json::from_str(&text).expect("summary")
        }
    };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let hub = hub::start(HubConfig::new(([127, 0, 0, 1], 0).into(), hub_dir.clone()))
            .await
            .expect("hub");
        let url = hub.url();
        let conn = hub::db::open(&hub_dir.join("hub.db")).expect("db");
        let tree = OutletTree::new(hub::db::outlets(&conn).expect("outlets"));
        drop(conn);
        network_at_login(&tree);

        let login = |who: String| {
            let url = url.clone();
            async move {
                let c = HubClient::new(&url, Default::default()).expect("client");
                let s = c.login(&who, PASSWORD).await.expect("login");
                c.with_token(Some(s.token))
            }
        };
        let branch_clerk = format!("{}.clerk", summary.largest_branch.to_lowercase());
        let disp = login("gen.disp".into()).await;
        let branch = login(branch_clerk.clone()).await;

        // `BENCH_ONLY=report`: the report's figures alone; `BENCH_ONLY=client`:
        // the client's (cold sync, lists, start) alone. Quicker runs.
        let only = std::env::var("BENCH_ONLY").unwrap_or_default();
        if only == "inbound" {
            inbound_figure(&url, &tree).await;
            hub.stop().await;
            return;
        }
        if only != "client" {
            report_figures(&url, &disp, &branch).await;
            if only == "report" {
                hub.stop().await;
                return;
            }
            hub_figures(&url, &disp, &branch, &summary.tiniest_outlet_with_pending).await;
            inbound_figure(&url, &tree).await;
        }

        // Client: cold sync as HQ and as the largest branch, each against
        // raw SQLite inserts of the same rows in the same run.
        for (who, client) in [("HQ dispatcher", disp), ("largest branch", branch)] {
            client_figures(who, client, &tree, &summary, &url).await;
        }
        hub.stop().await;
    });
}

async fn hub_figures(url: &str, disp: &HubClient, branch: &HubClient, tiny: &str) {
    let http = reqwest::Client::new();
    let get = |c: &HubClient, path: String| {
        let req = http
            .get(format!("{url}{path}"))
            .bearer_auth(c.token().unwrap_or_default());
        async move {
            let t = Instant::now();
            let r = req.send().await.expect("send");
            assert!(r.status().is_success(), "{path}: {}", r.status());
            let body: serde_json::Value = r.json().await.expect("json");
            (t.elapsed(), body)
        }
    };
    // A branch feed page from the start, then at the head (an empty poll).
    let mut pages = Vec::new();
    let mut cursor = String::new();
    for _ in 0..5 {
        let (d, body) = get(
            branch,
            format!("/api/v1/orders/changes?limit=500&cursor={cursor}"),
        )
        .await;
        pages.push(d);
        cursor = body["cursor"].as_str().unwrap_or_default().to_owned();
    }
    let (p50, p99) = (percentile(&mut pages, 0.5), percentile(&mut pages, 0.99));
    line(
        "hub feed page (500), largest branch",
        "cost of the page only",
        format!("p50 {:.1} ms, p99 {:.1} ms", ms(p50), ms(p99)),
    );
    let mut head = cursor.clone();
    loop {
        let (_, body) = get(
            branch,
            format!("/api/v1/orders/changes?limit=1000&cursor={head}"),
        )
        .await;
        head = body["cursor"].as_str().unwrap_or_default().to_owned();
        if !body["more"].as_bool().unwrap_or(false) {
            break;
        }
    }
    let mut polls = Vec::new();
    for _ in 0..20 {
        polls.push(
            get(branch, format!("/api/v1/orders/changes?cursor={head}"))
                .await
                .0,
        );
    }
    line(
        "hub empty poll at the head, largest branch",
        "≤ 2 ms",
        format!("p50 {:.1} ms", ms(percentile(&mut polls, 0.5))),
    );
    for (what, path) in [
        (
            "hub order list, HQ pool",
            "/api/v1/orders?outlet=HQ&limit=50".to_owned(),
        ),
        (
            "hub order list, tiniest outlet",
            format!("/api/v1/orders?outlet={tiny}&limit=50"),
        ),
    ] {
        let mut v = Vec::new();
        for _ in 0..10 {
            v.push(get(disp, path.clone()).await.0);
        }
        line(
            what,
            "≤ 5 ms",
            format!("p50 {:.1} ms", ms(percentile(&mut v, 0.5))),
        );
    }
}

/// 阿里巴巴成交比 over a year (issue 12): the whole network as HQ, and the
/// largest branch, each request end to end over HTTP.
async fn report_figures(url: &str, disp: &HubClient, branch: &HubClient) {
    let http = reqwest::Client::new();
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let from = today - chrono::Duration::days(365);
    for (what, client) in [("whole network", disp), ("largest branch", branch)] {
        let mut v = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            let r = http
                .get(format!(
                    "{url}/api/v1/reports/ali_conversion?from={from}&to={today}"
                ))
                .bearer_auth(client.token().unwrap_or_default())
                .send()
                .await
                .expect("send");
            assert!(r.status().is_success(), "report: {}", r.status());
            let body: serde_json::Value = r.json().await.expect("json");
            assert!(
                body["total"]["valid"].as_i64().unwrap_or(0) > 0,
                "an empty report"
            );
            v.push(t.elapsed());
        }
        line(
            &format!("hub ali_conversion report, one year, {what}"),
            "≤ 300 ms",
            format!(
                "p50 {:.1} ms, max {:.1} ms",
                ms(percentile(&mut v, 0.5)),
                ms(percentile(&mut v, 1.0))
            ),
        );
    }
}

/// Inbound orders dispatched by the shipper's city, 8 at a time.
async fn inbound_figure(url: &str, tree: &OutletTree) {
    let cities: Vec<(String, String)> = tree
        .outlets()
        .filter(|o| o.kind == OutletKind::Outlet)
        .take(500)
        .map(|o| (o.province.clone(), o.city.clone()))
        .collect();
    let http = reqwest::Client::new();
    let n = 2_000;
    let t = Instant::now();
    let mut d = demo::Dice::seeded(5);
    let mut batch = Vec::new();
    // Numbers of this run's own: a kept data set (`BENCH_HUB_DIR`) has the
    // last run's, and two runs can start within one second.
    let run = chrono::Utc::now().timestamp_micros();
    for i in 0..n {
        let mut o = demo::demo_order(&mut d, chrono::Utc::now());
        o.order_no = format!("NAT-IN-{run}-{i:06}");
        o.ali_account = format!("bench-account-{i}");
        let (p, c) = &cities[i % cities.len()];
        o.shipper.province = p.clone();
        o.shipper.city = c.clone();
        let req = http
            .post(format!("{url}/api/v1/inbound/orders"))
            .bearer_auth(UPSTREAM)
            .json(&o)
            .send();
        batch.push(tokio::spawn(req));
        if batch.len() == 8 {
            join_created(std::mem::take(&mut batch)).await;
        }
    }
    join_created(batch).await;
    line(
        "inbound with dispatch by city (8 concurrent)",
        "≥ 2,000/s",
        format!("{:.0}/s", n as f64 / t.elapsed().as_secs_f64()),
    );
}

async fn join_created(batch: Vec<tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>>) {
    for h in batch {
        let r = h.await.expect("task").expect("send");
        assert_eq!(r.status(), 201);
    }
}

async fn client_figures(
    who: &str,
    client: HubClient,
    tree: &OutletTree,
    summary: &Summary,
    url: &str,
) {
    let cache_dir = tempfile::tempdir().expect("tempdir");
    let path = cache_dir.path().join("cache.db");
    let (store, _) = Store::open(&path).expect("store");
    store.claim(who).expect("claim");
    // The app caches the network at login, before the first sync: the
    // cache's subtree index is built from it.
    let outlets: Vec<_> = tree.outlets().cloned().collect();
    store.replace_outlets(1, &outlets).expect("outlets");
    let mut engine = Engine::new(
        client.clone(),
        store.second_connection().expect("conn"),
        1000,
    );
    let t = Instant::now();
    let r = engine.sync_once().await;
    let cold = t.elapsed();
    assert!(r.error.is_none(), "{:?}", r.error);
    let rate = r.pulled as f64 / cold.as_secs_f64();
    // The sync leaves the last of its log to the cache's checkpoint thread:
    // copied before the anchor runs, so neither slows the other, and timed.
    let tail = checkpoint_tail(&path);
    // The anchor inserts as many rows as the sync brought (up to 1M).
    let raw = raw_insert_rate(&path, r.pulled.min(1_000_000));
    line(
        &format!("client cold sync, {who} ({} orders)", r.pulled),
        "≥ 30k/s and ≥ 50 % of raw",
        format!(
            "{rate:.0}/s = {:.1} % of raw SQLite insert ({raw:.0}/s); then {:.1} s of checkpoint in the background",
            100.0 * rate / raw,
            tail.as_secs_f64()
        ),
    );
    sync_parts(who, &client, &outlets).await;

    let q = |filter: ListFilter| PageQuery {
        filter,
        status: Some(Status::Pending),
        sort: SortOrder::OldestFirst,
        offset: 0,
        limit: 50,
    };
    let office = tree
        .outlets()
        .find(|o| {
            o.kind == OutletKind::Office
                && o.parent_code.as_deref() == Some(&summary.largest_branch)
        })
        .map(|o| o.code.clone())
        .unwrap_or_else(|| summary.largest_branch.clone());
    let mut selectors = vec![("whole network", q(ListFilter::All))];
    if who == "HQ dispatcher" {
        selectors.push((
            "HQ pool",
            q(ListFilter::Pool {
                hq_code: "HQ".into(),
            }),
        ));
        selectors.push((
            "tiniest outlet",
            q(ListFilter::Subtree(
                summary.tiniest_outlet_with_pending.clone(),
            )),
        ));
    }
    selectors.push((
        "largest branch",
        q(ListFilter::Subtree(summary.largest_branch.clone())),
    ));
    selectors.push(("an office of it", q(ListFilter::Subtree(office))));
    selectors.push((
        "largest branch, any status, newest first",
        PageQuery {
            status: None,
            sort: SortOrder::NewestFirst,
            ..q(ListFilter::Subtree(summary.largest_branch.clone()))
        },
    ));
    selectors.push((
        "busiest outlet, any status",
        PageQuery {
            status: None,
            ..q(ListFilter::Subtree(summary.busiest_outlet.clone()))
        },
    ));
    for (what, query) in selectors {
        let (p50, p99) = time(20, || {
            store.page(&query).map(|(rows, total)| (rows.len(), total))
        });
        let total = store.page(&query).map(|(_, t)| t).unwrap_or(-1);
        line(
            &format!("client first page + count, {who}: {what}"),
            "≤ 2 ms",
            format!(
                "p50 {:.2} ms, p99 {:.2} ms (exact count {total})",
                ms(p50),
                ms(p99)
            ),
        );
    }
    let (p50, _) = time(10, || store.uncontacted());
    line(
        &format!("client waiting count, {who}"),
        "≤ 1 ms",
        format!("p50 {:.2} ms", ms(p50)),
    );
    drop(engine);
    drop(store);
    let t = Instant::now();
    let (reopened, problem) = Store::open(&path).expect("reopen");
    assert!(problem.is_none());
    line(
        &format!("client cache open at start, {who}"),
        "part of the start below",
        format!("{:.0} ms", ms(t.elapsed())),
    );
    drop(reopened);
    start_figures(who, cache_dir.path(), url);
}

/// The client's start to its first frame on this cache, and its resident
/// memory then, against an empty iced window started the same way in the
/// same run (the anchor). Needs a display (run under `xvfb-run`).
fn start_figures(who: &str, data_dir: &std::path::Path, url: &str) {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        println!("  start and RSS figures: no display (run under xvfb-run)");
        return;
    }
    let exe = env!("CARGO_BIN_EXE_outlet-desk");
    let dir = data_dir.display().to_string();
    // Both starts use the same renderer, but its start cost differs by
    // far (software Vulkan under Xvfb takes several times tiny-skia's),
    // so a figure means little without it.
    println!(
        "  renderer for both starts: ICED_BACKEND={}",
        std::env::var("ICED_BACKEND").unwrap_or_else(|_| "(unset: iced's default)".into())
    );
    let run = |args: &[&str]| -> Option<(Duration, u64)> {
        use std::io::BufRead;
        let t = Instant::now();
        let mut child = std::process::Command::new(exe)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let out = child.stdout.take()?;
        let mut lines = std::io::BufReader::new(out).lines();
        let rss = lines.find_map(|l| {
            l.ok()?
                .strip_prefix("first-frame rss_kib=")
                .and_then(|v| v.parse::<u64>().ok())
        });
        let took = t.elapsed();
        let _ = child.wait();
        Some((took, rss?))
    };
    // The best of three: a start is bounded by the machine's load.
    let best = |args: &[&str]| (0..3).filter_map(|_| run(args)).min_by_key(|(d, _)| *d);
    let (Some(empty), Some(app)) = (
        best(&["--bench-empty"]),
        best(&["--data-dir", &dir, "--server", url, "--bench-first-frame"]),
    ) else {
        println!("  start and RSS figures: a start failed");
        return;
    };
    line(
        &format!("client start to first frame, {who} cache"),
        "≤ 1.5× an empty iced app",
        format!(
            "{:.0} ms = {:.2}× the empty app ({:.0} ms)",
            ms(app.0),
            app.0.as_secs_f64() / empty.0.as_secs_f64(),
            ms(empty.0)
        ),
    );
    line(
        &format!("client RSS at first frame (login screen), {who} cache"),
        "≤ empty iced app + 60 MB",
        format!(
            "{} MiB = empty app + {} MiB ({} MiB); logged in: not measured",
            app.1 / 1024,
            app.1.saturating_sub(empty.1) / 1024,
            empty.1 / 1024
        ),
    );
}

/// The network at login (`ui::app::network`): the tree and the pickers'
/// shared entries built on a blocking task, and what the GUI thread then
/// does with them (five pickers over the one shared list: orders' selector
/// and assign, outlets' parent, staff's query and form), timed, with the
/// memory the pickers hold.
fn network_at_login(tree: &OutletTree) {
    use outlet_desk::ui::network_data::NetworkData;
    use outlet_desk::ui::widget::picker::Picker;
    let outlets: Vec<_> = tree.outlets().cloned().collect();
    let n = outlets.len();
    let before = outlet_desk::ui::bench_start::rss_kib();
    let t = Instant::now();
    let net = NetworkData::build(outlets, "HQ");
    let built = t.elapsed();
    let t = Instant::now();
    let pickers = [
        Picker::shared(net.choices.clone(), Some(net.mine.clone())),
        Picker::shared(net.choices.clone(), Some(net.targets.clone())),
        Picker::shared(net.choices.clone(), None),
        Picker::shared(net.choices.clone(), None),
        Picker::shared(net.choices.clone(), None),
    ];
    let gui = t.elapsed();
    let grew = outlet_desk::ui::bench_start::rss_kib().saturating_sub(before);
    line(
        &format!("network at login, GUI thread ({n} outlets)"),
        "a few ms",
        format!(
            "{:.2} ms on it (the build, {:.0} ms, runs on a blocking task)",
            ms(gui),
            ms(built)
        ),
    );
    line(
        &format!("network at login, pickers' memory ({n} outlets)"),
        "one shared list",
        format!(
            "{:.1} MiB for all five pickers; tree + pickers resident +{} MiB (of the ≤ +60 MB budget)",
            net.picker_bytes() as f64 / 1048576.0,
            grew / 1024
        ),
    );
    std::hint::black_box((net, pickers));
}

/// Where a cold sync's time goes: the feed alone (every page fetched and
/// read as the engine reads it, nothing written), and the cache's writes
/// alone (the first 20 pages written into a fresh cache in runs of five,
/// as the engine does, the load's indexes built at the end).
async fn sync_parts(who: &str, client: &HubClient, outlets: &[outlet_desk::domain::Outlet]) {
    let t = Instant::now();
    let (mut cursor, mut n, mut kept) = (None::<String>, 0, Vec::new());
    loop {
        let page = client
            .changes_waiting(cursor.as_deref(), 1000, None)
            .await
            .expect("page");
        n += page.orders.len();
        cursor = Some(page.cursor.clone());
        let more = page.more;
        if kept.len() < 20 {
            kept.push(page);
        }
        if !more {
            break;
        }
    }
    let fetch = n as f64 / t.elapsed().as_secs_f64();
    if let Some(last) = kept.last_mut() {
        last.more = false;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, _) = Store::open(&dir.path().join("cache.db")).expect("store");
    store.claim(who).expect("claim");
    store.replace_outlets(1, outlets).expect("outlets");
    let written: usize = kept.iter().map(|p| p.orders.len()).sum();
    let t = Instant::now();
    for run in kept.chunks(5) {
        store.apply_pages(run).expect("write");
    }
    let write = written as f64 / t.elapsed().as_secs_f64();
    line(
        &format!("  of which: feed alone, {who} ({n} orders)"),
        "(where the time goes)",
        format!("{fetch:.0}/s fetched and read"),
    );
    line(
        &format!("  of which: cache writes alone, {who} ({written} orders)"),
        "(where the time goes)",
        format!("{write:.0}/s written and indexed"),
    );
}

/// How long until the cache's log is all copied into the file (the
/// background checkpoint after a backlog), copying along.
fn checkpoint_tail(cache: &std::path::Path) -> Duration {
    let c = rusqlite::Connection::open(cache).expect("cache");
    let t = Instant::now();
    loop {
        let (log, done): (i64, i64) = c
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(1)?, r.get(2)?))
            })
            .expect("checkpoint");
        if log == done || t.elapsed() > Duration::from_secs(120) {
            return t.elapsed();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Rows/s of plain SQLite inserts of order rows on the same disk, the
/// anchor for cold sync: every row its own order body (a thousand demo
/// orders, each row with its own number in it), built before the clock
/// runs, committed 1,000 to a transaction.
fn raw_insert_rate(beside: &std::path::Path, n: usize) -> f64 {
    let path = beside.with_file_name("raw.db");
    let mut c = rusqlite::Connection::open(&path).expect("raw db");
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE t (order_no TEXT PRIMARY KEY, status TEXT, outlet TEXT, created_at INTEGER, body TEXT);",
    )
    .expect("schema");
    let mut d = demo::Dice::seeded(3);
    let now = chrono::Utc::now();
    let templates: Vec<outlet_desk::domain::Order> = (0..1000)
        .map(|i| {
            let mut o = demo::demo_order(&mut d, now - chrono::Duration::minutes(i))
                .into_order(Some(format!("X{i}")), now);
            o.order_no = "{NO}".into();
            o
        })
        .collect();
    let mut took = Duration::ZERO;
    for chunk in 0..n.div_ceil(1000) {
        let rows: Vec<(String, String, i64)> = (chunk * 1000..((chunk + 1) * 1000).min(n))
            .map(|i| {
                let mut o = templates[i % templates.len()].clone();
                o.order_no = format!("R{i:09}");
                let at = o.created_at.timestamp_millis() - i as i64;
                (
                    o.order_no.clone(),
                    serde_json::to_string(&o).unwrap_or_default(),
                    at,
                )
            })
            .collect();
        let t = Instant::now();
        let tx = c.transaction().expect("tx");
        {
            let mut st = tx
                .prepare_cached("INSERT INTO t VALUES (?1, 'pending', 'X', ?3, ?2)")
                .expect("prepare");
            for (no, body, at) in &rows {
                st.execute(rusqlite::params![no, body, at]).expect("insert");
            }
        }
        tx.commit().expect("commit");
        took += t.elapsed();
    }
    n as f64 / took.as_secs_f64()
}
