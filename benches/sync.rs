//! Sync figures: inbound POST → row in the client's cache, rows pulled per
//! second on a cold sync of many orders, the client's memory after it, and
//! the first page of the list at that size.
//!
//! `cargo bench --bench sync` (100,000 orders; `BENCH_ORDERS=N` to change).

mod common;

use std::time::{Duration, Instant};

use outlet_desk::domain::Status;
use outlet_desk::hub::{self, demo, orders};
use outlet_desk::store::{ListFilter, PageQuery, SortOrder, Store};
use outlet_desk::sync::HubClient;
use outlet_desk::sync::engine::Engine;

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n = common::orders_wanted();
    let rt = common::runtime();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let hub = common::demo_hub(dir.path()).await;
        let url = hub.url();

        // Bulk-load orders straight into the hub's database.
        let t = Instant::now();
        {
            let mut conn = hub::db::open(&dir.path().join("hub").join("hub.db")).unwrap();
            let tree = outlet_desk::domain::OutletTree::new(hub::db::outlets(&conn).unwrap());
            let outlets: Vec<String> = ["JS-YZ-01", "JS-NJ", "ZJ-HZ-01", "BJ-CY", "FJ-XM", "FJ-QZ-01"]
                .into_iter()
                .map(str::to_owned)
                .collect();
            let mut d = demo::Dice::seeded(7);
            let tx = conn.transaction().unwrap();
            let now = chrono::Utc::now();
            for i in 0..n {
                let mut o = demo::demo_order(&mut d, now - chrono::Duration::seconds(i as i64));
                o.order_no = format!("B{i:08}");
                o.current_outlet_code = Some(outlets[i % outlets.len()].clone());
                let order = o.into_order(Some(outlets[i % outlets.len()].clone()), now);
                orders::put(&tx, &order).unwrap();
            }
            tx.commit().unwrap();
            drop(tree);
        }
        println!("seeded {n} orders in the hub in {:.1} s", t.elapsed().as_secs_f64());

        let client = HubClient::new(&url, Default::default()).unwrap();
        let session = client.login("admin", common::ADMIN_PW).await.unwrap();
        let client = client.with_token(Some(session.token));
        let cache_dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(&cache_dir.path().join("cache.db")).unwrap();
        store.claim("admin").unwrap();
        let rss_before = rss_mib();
        let mut engine = Engine::new(client.clone(), store.second_connection().unwrap(), 1000);
        let t = Instant::now();
        let r = engine.sync_once().await;
        let cold = t.elapsed();
        assert!(r.error.is_none(), "{:?}", r.error);
        assert_eq!(r.pulled, n);
        println!(
            "cold sync: {} orders in {:.2} s = {:.0} rows/s (page 1000)",
            r.pulled,
            cold.as_secs_f64(),
            r.pulled as f64 / cold.as_secs_f64()
        );
        println!(
            "process memory (hub + client in one process): {:.0} MiB before the sync, {:.0} MiB after",
            rss_before,
            rss_mib()
        );

        // The first page of the list, as the screen asks for it.
        let q = PageQuery {
            filter: ListFilter::Subtree("JS-YZ-01".into()),
            status: Some(Status::Pending),
            sort: SortOrder::OldestFirst,
            offset: 0,
            limit: 50,
        };
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            let (rows, total) = store.page(&q).unwrap();
            times.push(t.elapsed());
            assert_eq!(rows.len(), 50);
            assert!(total > 0);
        }
        println!("first page (50 rows of one outlet, with count) at {n} cached orders: median {:.2} ms", median(times).as_secs_f64() * 1000.0);
        let q_all = PageQuery { filter: ListFilter::All, ..q.clone() };
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            store.page(&q_all).unwrap();
            times.push(t.elapsed());
        }
        println!("first page (whole network, with count): median {:.2} ms", median(times).as_secs_f64() * 1000.0);
        // Start-up at this size: opening checks the file (quick_check) and
        // its migrations before the first page can show.
        let t = Instant::now();
        let (reopened, problem) = Store::open(&cache_dir.path().join("cache.db")).unwrap();
        assert!(problem.is_none());
        println!("reopen the cache at {n} orders (quick_check + migrations): {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
        drop(reopened);
        let q_any = PageQuery { status: None, ..q_all.clone() };
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            store.page(&q_any).unwrap();
            times.push(t.elapsed());
        }
        println!("first page (whole network, any status, with count): median {:.2} ms", median(times).as_secs_f64() * 1000.0);

        // Inbound POST → row in the client's cache (one sync round after).
        let http = reqwest::Client::new();
        let mut times = Vec::new();
        let mut d = demo::Dice::seeded(99);
        for i in 0..20 {
            let mut o = demo::demo_order(&mut d, chrono::Utc::now());
            o.order_no = format!("LAT{i:04}");
            o.current_outlet_code = Some("JS-YZ-01".into());
            let t = Instant::now();
            let resp = http
                .post(format!("{url}/api/v1/inbound/orders"))
                .bearer_auth(common::UPSTREAM)
                .json(&o)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 201);
            engine.sync_once().await;
            let no = o.order_no.clone();
            assert!(store.order(&no).unwrap().is_some());
            times.push(t.elapsed());
        }
        println!(
            "inbound POST → row in the cache: median {:.1} ms (+ up to one poll interval, 5 s by default, when not woken)",
            median(times).as_secs_f64() * 1000.0
        );
        hub.stop().await;
    });
}
