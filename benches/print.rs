//! Printing figures (issue 13): 100 labels into one PDF, the layout of one
//! preview page, and the first preview after 打印 for a 10-order batch
//! (goal ≤ 300 ms: the layout pass plus the PDF the preview's 另存为PDF
//! would write; the screen's own drawing is not measured here).
//!
//! `cargo bench --bench print`

use std::time::{Duration, Instant};

use outlet_desk::domain::Order;
use outlet_desk::domain::print::{Document, Layout};
use outlet_desk::i18n::Lang;
use outlet_desk::print::{documents, pdf};

fn order(i: usize, pieces: i64) -> Order {
    serde_json::from_value(serde_json::json!({
        "order_no": format!("B{i:05}"),
        "logistics_no": format!("WLB{i:05}"),
        "shipper": {"name": "张三", "phone": "13812345678", "province": "江苏省", "city": "苏州",
                    "district": "吴中区", "address": "工业园区星湖街 328 号创意产业园 5 栋 1201 室"},
        "consignee": {"name": "李四", "phone": "13987654321", "province": "广东省", "city": "广州",
                      "district": "天河区", "address": "珠江新城华夏路 10 号富力中心写字楼 32 层东侧 3208 室"},
        "cargo": {"name": "服装", "pieces": pieces, "weight_g": 12500, "volume_cm3": 60000},
        "transport_mode": "standard", "declared_value": 150000, "payment": "sender",
        "created_at": "2026-11-29T01:00:00Z", "updated_at": "2026-11-29T01:00:00Z",
        "status": "accepted", "waybill_no": format!("DB2026{i:07}")
    }))
    .expect("order")
}

/// Median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[runs / 2]
}

fn main() {
    let now = chrono::Utc::now();
    let label = Layout::default_for(Document::Label);
    // Warm the font tables (once per process in the app too).
    let _ = documents::build(&[order(0, 1)], &label, Lang::ZhCn, now);

    let hundred: Vec<Order> = (0..100).map(|i| order(i, 1)).collect();
    let mut size = 0;
    let t = median(5, || {
        let pages = documents::build(&hundred, &label, Lang::ZhCn, now);
        size = pdf::write(&pages, 1).map(|b| b.len()).unwrap_or(0);
    });
    println!(
        "100 labels into one PDF: {:.1} ms, {} KB (goal: a batch prints without waiting)",
        t.as_secs_f64() * 1e3,
        size / 1024
    );

    let one = [order(1, 1)];
    let t = median(21, || {
        let _ = documents::build(&one, &label, Lang::ZhCn, now);
    });
    println!("one label page laid out: {:.2} ms", t.as_secs_f64() * 1e3);

    let ten: Vec<Order> = (0..10).map(|i| order(i, 3)).collect();
    for doc in Document::ALL {
        let layout = Layout::default_for(doc);
        let t = median(9, || {
            let pages = documents::build(&ten, &layout, Lang::ZhCn, now);
            let _ = pdf::write(&pages, 1);
        });
        println!(
            "first preview after 打印, 10 orders, {}: {:.1} ms layout + PDF (goal ≤ 300 ms)",
            doc.as_str(),
            t.as_secs_f64() * 1e3
        );
    }
}
