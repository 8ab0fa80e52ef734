//! Issue 12's export figure: 100,000 cached orders (BENCH_ORDERS to
//! change) exported to .xlsx and CSV the way 阿里订单受理's 导出 does it
//! (keyset chunks from the client cache, rows streamed to the file), with
//! rows/s and the peak memory the export added.
//!
//! `cargo bench --bench export`. CI does not run it.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use outlet_desk::api::ChangesPage;
use outlet_desk::domain::params::ClientParams;
use outlet_desk::domain::{Outlet, OutletKind, OutletTree, Status};
use outlet_desk::export::{self, FileKind};
use outlet_desk::hub::demo::{Dice, demo_order};
use outlet_desk::i18n::Lang;
use outlet_desk::store::{ListFilter, PageQuery, SortOrder, Store};
use outlet_desk::ui::screen::orders::export::{OrderRows, columns};

/// A /proc/self/status figure in MiB (Linux; 0 elsewhere).
fn status_mib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets the peak-RSS mark to the current RSS (Linux `clear_refs` 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    let n: usize = std::env::var("BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, _) = Store::open(&dir.path().join("cache.db")).expect("cache");
    let outlets: Vec<Outlet> = ["HQ", "JS", "ZJ"]
        .iter()
        .map(|c| Outlet {
            code: (*c).into(),
            name: format!("{c}分公司"),
            ..Outlet::blank(
                if *c == "HQ" {
                    OutletKind::Hq
                } else {
                    OutletKind::Branch
                },
                (*c != "HQ").then_some("HQ"),
            )
        })
        .collect();
    store.replace_outlets(1, &outlets).expect("outlets");
    let tree = OutletTree::new(outlets);
    let mut dice = Dice::seeded(12);
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let t = Instant::now();
    let mut page = Vec::with_capacity(1000);
    for i in 0..n {
        let at = start + chrono::Duration::seconds(i as i64 * 37);
        let mut o = demo_order(&mut dice, at).into_order(Some(["JS", "ZJ"][i % 2].into()), at);
        o.order_no = format!("B{i:07}");
        o.status = Status::Pending;
        page.push(o);
        if page.len() == 1000 || i + 1 == n {
            store
                .apply_page(&ChangesPage {
                    orders: std::mem::take(&mut page),
                    removed: Vec::new(),
                    cursor: format!("{i}.t"),
                    more: true,
                    server_time: Utc::now(),
                    params_revision: 0,
                    rate_revision: 0,
                })
                .expect("page");
        }
    }
    println!(
        "cache of {n} orders built in {:.1} s; process RSS {:.0} MiB",
        t.elapsed().as_secs_f64(),
        status_mib("VmRSS:")
    );
    for kind in [FileKind::Xlsx, FileKind::Csv] {
        let path = dir.path().join(format!("阿里订单受理.{kind:?}"));
        let q = PageQuery {
            filter: ListFilter::All,
            status: Some(Status::Pending),
            sort: SortOrder::OldestFirst,
            offset: 0,
            limit: 50,
        };
        let mut rows = OrderRows::new(
            store.clone(),
            q,
            Lang::ZhCn,
            &tree,
            &ClientParams::default(),
        );
        reset_peak();
        let before = status_mib("VmRSS:");
        let t = Instant::now();
        let written = export::run(
            &path,
            kind,
            "阿里订单受理",
            &columns(Lang::ZhCn),
            &mut rows,
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .expect("export");
        let secs = t.elapsed().as_secs_f64();
        let peak = status_mib("VmHWM:");
        let size = std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / 1_048_576.0;
        println!(
            "export {written} orders to {kind:?}: {secs:.2} s = {:.0} rows/s (goal: 100k well under a minute); \
             peak RSS {peak:.0} MiB, {:+.0} MiB over the {before:.0} MiB before (goal: no rows held); file {size:.1} MiB",
            written as f64 / secs,
            peak - before,
        );
    }
}
