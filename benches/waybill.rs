//! 开单 figures (issue 10): a quote in the domain with 10,000 rate lines
//! loaded (goal ≤ 20 µs), the hub's import end to end at p99 with many
//! orders (goal ≤ 20 ms), a rate-card import of 5,000 lines (goal ≤ 2 s).
//!
//! `cargo bench --bench waybill` (100,000 orders; `BENCH_ORDERS=N` to
//! change, e.g. 1000000).

mod common;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use outlet_desk::domain::order::{Cargo, Payment};
use outlet_desk::domain::pricing::{
    self, Consignee, Delivery, PriceParams, RateCard, RateLine, Tier, WaybillDraft,
};
use outlet_desk::domain::{Outlet, OutletKind};
use outlet_desk::hub::{self, demo, orders};

const PROVINCES: &[&str] = &[
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
];
const PRODUCTS: &[&str] = &["JZKH", "JZQY_LONG", "JZKY", "JZZC"];

fn tiers(base: i64) -> Vec<Tier> {
    vec![
        Tier {
            from_weight_g: 0,
            heavy_fen_per_kg: base,
            from_volume_cm3: 0,
            light_fen_per_m3: base * 200,
        },
        Tier {
            from_weight_g: 100_000,
            heavy_fen_per_kg: base * 9 / 10,
            from_volume_cm3: 500_000,
            light_fen_per_m3: base * 180,
        },
        Tier {
            from_weight_g: 500_000,
            heavy_fen_per_kg: base * 8 / 10,
            from_volume_cm3: 3_000_000,
            light_fen_per_m3: base * 160,
        },
    ]
}

/// `n` distinct lines: origin provinces × products × destination
/// province/city pairs.
fn card_lines(n: usize) -> Vec<RateLine> {
    let mut out = Vec::with_capacity(n);
    let mut i = 0usize;
    'fill: for city in 0.. {
        for origin in PROVINCES {
            for product in PRODUCTS {
                for dest in PROVINCES {
                    if out.len() == n {
                        break 'fill;
                    }
                    i += 1;
                    out.push(RateLine {
                        id: i as i64,
                        origin_province: Some((*origin).into()),
                        origin_city: None,
                        dest_province: (*dest).into(),
                        dest_city: Some(format!("城{city}")),
                        dest_district: None,
                        product_code: (*product).into(),
                        via_province: None,
                        via_city: None,
                        min_charge_fen: 3_000,
                        tiers: tiers(100 + (i % 50) as i64),
                        effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                        effective_to: None,
                        version: 1,
                        retired: false,
                    });
                }
            }
        }
    }
    out
}

fn draft(no: &str, weight_g: i64) -> WaybillDraft {
    WaybillDraft {
        waybill_no: no.into(),
        product_code: "JZKH".into(),
        dest_province: "广东省".into(),
        dest_city: "城1".into(),
        dest_district: String::new(),
        consignee: Consignee {
            name: "李四".into(),
            phone: "13900000000".into(),
            address: "中山路 2 号".into(),
        },
        cargo: Cargo {
            name: "服装".into(),
            pieces: 3,
            weight_g,
            volume_cm3: 2_000_000,
            packaging: "纸箱".into(),
        },
        declared_value_fen: 1_000_000,
        cod_amount_fen: 500_000,
        cod_refund: pricing::CodRefund::ThreeDay,
        payment: Payment::Sender,
        pickup_required: true,
        pickup_distance_m: 10_000,
        single_pickup_address: true,
        delivery: Delivery::Door,
    }
}

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

fn quote_bench() {
    let lines = card_lines(10_000);
    let card = RateCard::new(lines);
    let products = pricing::standard_products();
    let params = PriceParams::default();
    let outlet = Outlet {
        province: "江苏省".into(),
        city: "扬州".into(),
        urban: true,
        ..Outlet::blank(OutletKind::Outlet, Some("HQ"))
    };
    let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let d = draft("12345678", 600_000);
    let q = pricing::quote(&d, &outlet, &card, &products, &params, day).expect("priced");
    assert!(q.total_fen > 0);
    let runs = 20_000;
    let t = Instant::now();
    for i in 0..runs {
        let mut d = d.clone();
        d.cargo.weight_g += i % 1000;
        std::hint::black_box(pricing::quote(&d, &outlet, &card, &products, &params, day).ok());
    }
    let each = t.elapsed() / runs as u32;
    println!(
        "quote in the domain, {} rate lines loaded: {:.2} µs per quote (goal ≤ 20 µs)",
        card.len(),
        each.as_secs_f64() * 1e6
    );
}

fn main() {
    quote_bench();
    let n = common::orders_wanted();
    let rt = common::runtime();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let hub = common::demo_hub(dir.path()).await;
        let url = hub.url();
        let http = reqwest::Client::new();
        let login = |who: &'static str, pw: &'static str| {
            let http = http.clone();
            let url = url.clone();
            async move {
                let v: serde_json::Value = http
                    .post(format!("{url}/api/v1/session"))
                    .json(&serde_json::json!({"login": who, "password": pw}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                v["token"].as_str().unwrap().to_owned()
            }
        };
        let admin = login("admin", common::ADMIN_PW).await;

        // Rate-card import: 5,000 lines as CSV.
        let lines = card_lines(5_000);
        let mut csv = String::from(
            "id,product_code,origin_province,origin_city,dest_province,dest_city,dest_district,via_province,via_city,min_charge_fen,effective_from,effective_to,tier1_from_weight_g,tier1_heavy_fen_per_kg,tier1_from_volume_cm3,tier1_light_fen_per_m3,tier2_from_weight_g,tier2_heavy_fen_per_kg,tier2_from_volume_cm3,tier2_light_fen_per_m3,tier3_from_weight_g,tier3_heavy_fen_per_kg,tier3_from_volume_cm3,tier3_light_fen_per_m3\n",
        );
        for l in &lines {
            let t: Vec<String> = l
                .tiers
                .iter()
                .flat_map(|t| [t.from_weight_g, t.heavy_fen_per_kg, t.from_volume_cm3, t.light_fen_per_m3])
                .map(|n| n.to_string())
                .collect();
            csv.push_str(&format!(
                ",{},{},,{},{},,,,{},2026-01-01,,{}\n",
                l.product_code,
                l.origin_province.clone().unwrap_or_default(),
                l.dest_province,
                l.dest_city.clone().unwrap_or_default(),
                l.min_charge_fen,
                t.join(",")
            ));
        }
        let t = Instant::now();
        let r = http
            .post(format!("{url}/api/v1/rate_lines/import"))
            .bearer_auth(&admin)
            .header("Content-Type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        let took = t.elapsed();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(status, 200, "{body}");
        println!(
            "rate-card import of {} lines (CSV, checked, all or nothing): {:.2} s (goal ≤ 2 s) → {body}",
            lines.len(),
            took.as_secs_f64()
        );

        // Bulk-load orders straight into the hub's database, all accepted
        // at 扬州邗江营业部.
        let t = Instant::now();
        {
            let mut conn = hub::db::open(&dir.path().join("hub").join("hub.db")).unwrap();
            let mut d = demo::Dice::seeded(11);
            let tx = conn.transaction().unwrap();
            let now = chrono::Utc::now();
            for i in 0..n {
                let mut o = demo::demo_order(&mut d, now - chrono::Duration::seconds(i as i64));
                o.order_no = format!("W{i:08}");
                let mut order = o.into_order(Some("JS-YZ-01".into()), now);
                order.status = outlet_desk::domain::Status::Accepted;
                order.accepting_outlet_code = Some("JS-YZ-01".into());
                orders::put(&tx, &order).unwrap();
            }
            tx.commit().unwrap();
        }
        println!("seeded {n} accepted orders in the hub in {:.1} s", t.elapsed().as_secs_f64());

        // Import end to end: HTTP request → priced, stored, answered.
        let clerk = login("yz.clerk", common::DEMO_PW).await;
        let mut times = Vec::new();
        let runs = 300;
        for i in 0..runs {
            let mut d = serde_json::to_value(draft(&format!("{}", 10_000_000 + i), 30_000 + i as i64)).unwrap();
            d["dest_city"] = serde_json::json!("广州");
            let body = serde_json::json!({"action": "import_waybill", "waybill": d});
            let no = format!("W{:08}", i * (n / runs).max(1));
            let t = Instant::now();
            let r = http
                .post(format!("{url}/api/v1/orders/{no}/actions"))
                .bearer_auth(&clerk)
                .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let text = r.text().await.unwrap();
            times.push(t.elapsed());
            assert_eq!(status, 200, "{text}");
        }
        println!(
            "import_waybill end to end at {n} orders: median {:.1} ms, p99 {:.1} ms over {runs} imports (goal p99 ≤ 20 ms)",
            pct(times.clone(), 0.5).as_secs_f64() * 1000.0,
            pct(times, 0.99).as_secs_f64() * 1000.0
        );
        hub.stop().await;
    });
}
