//! 阿里巴巴成交比 through order-hub's API (SPEC 6, issue 12): the counts of
//! orders driven through accept, return, cancel, pickup failure and 开单
//! (also on behalf of another outlet), summed up the tree, by China day,
//! with the orders behind each number and every bad input.

use crate::common;

use common::{DEMO_PW, Engine, TestHub, code, inbound};
use serde_json::{Value, json};

on_both_engines!(
    counts_follow_the_orders_and_sum_up_the_tree,
    an_outlet_moved_takes_its_counts_along,
    bad_input_is_refused_with_its_reason,
);

/// A day no demo order is placed on; its China date is `DAY`.
const DAY: &str = "2025-01-15";

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn draft(no: &str) -> Value {
    json!({
        "waybill_no": no, "product_code": "JZKH",
        "dest_province": "广东省", "dest_city": "广州", "dest_district": "天河区",
        "consignee": {"name": "李四", "phone": "13900000000", "address": "中山路 2 号"},
        "cargo": {"name": "服装", "pieces": 3, "weight_g": 600000, "volume_cm3": 60000, "packaging": "纸箱"},
        "declared_value_fen": 150000, "cod_amount_fen": 0, "cod_refund": "three_day",
        "payment": "sender", "pickup_required": true, "pickup_distance_m": 10000,
        "single_pickup_address": true, "delivery": "door"
    })
}

fn accept() -> Value {
    json!({"action": "accept", "weight_g": 600000, "volume_cm3": 60000, "pickup_required": false})
}

/// Places order `no` at `outlet` at `at` (UTC).
async fn place(h: &TestHub, no: &str, outlet: &str, at: &str) {
    let mut body = inbound(no, &format!("acct-{no}"), "扬州", Some(outlet));
    body["created_at"] = json!(at);
    let (s, v) = h.inbound(body).await;
    assert_eq!(s, 201, "{v}");
}

async fn act(h: &TestHub, token: &str, no: &str, body: Value) -> Value {
    let (s, v) = h.act(token, no, &uuid(), body).await;
    assert_eq!(s, 200, "{no}: {v}");
    v
}

async fn report(h: &TestHub, token: &str, query: &str) -> Value {
    let (s, v) = h
        .get(&format!("/api/v1/reports/ali_conversion?{query}"), token)
        .await;
    assert_eq!(s, 200, "{query}: {v}");
    v
}

fn row<'a>(r: &'a Value, outlet: Option<&str>) -> &'a Value {
    r["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["outlet_code"].as_str() == outlet)
        .unwrap_or_else(|| panic!("no row {outlet:?} in {r}"))
}

const COLUMNS: [&str; 9] = [
    "valid",
    "billed",
    "billed_for_others",
    "billed_by_others",
    "returned",
    "pickup_failed",
    "cancelled",
    "open",
    "ali_discount_fen",
];

/// The counts of a row, in [`COLUMNS`] order.
fn counts(r: &Value) -> Vec<i64> {
    COLUMNS.iter().map(|c| r[c].as_i64().unwrap()).collect()
}

/// Every report's children add up exactly to its total, and every ratio is
/// billed ÷ valid of its own row.
fn check_sums(r: &Value) {
    let mut sum = vec![0; COLUMNS.len()];
    for c in r["children"].as_array().unwrap() {
        for (s, n) in sum.iter_mut().zip(counts(c)) {
            *s += n;
        }
        check_ratio(c);
    }
    assert_eq!(sum, counts(&r["total"]), "{r}");
    check_ratio(&r["total"]);
}

fn check_ratio(r: &Value) {
    let (valid, billed) = (r["valid"].as_i64().unwrap(), r["billed"].as_i64().unwrap());
    if valid == 0 {
        assert!(r["ratio"].is_null(), "{r}");
    } else {
        let ratio = r["ratio"].as_f64().unwrap();
        assert!((ratio - billed as f64 / valid as f64).abs() < 1e-9, "{r}");
    }
}

/// The order numbers behind one number.
async fn behind(h: &TestHub, token: &str, query: &str) -> Vec<String> {
    let (s, v) = h
        .get(
            &format!("/api/v1/reports/ali_conversion/orders?from={DAY}&to={DAY}&{query}"),
            token,
        )
        .await;
    assert_eq!(s, 200, "{query}: {v}");
    let mut nos: Vec<String> = v["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_no"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(v["total"].as_i64().unwrap(), nos.len() as i64, "{v}");
    nos.sort();
    nos
}

async fn counts_follow_the_orders_and_sum_up_the_tree(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let admin = h.admin().await;
    let yz = h.login("yz.clerk", DEMO_PW).await;
    let hz = h.login("hz.clerk", DEMO_PW).await;
    // 23:59 China time on the day, and a minute later (the next day).
    let at = "2025-01-15T15:59:00Z";
    for no in ["R-A", "R-B", "R-C", "R-D", "R-E", "R-F"] {
        place(&h, no, "JS-YZ-01", at).await;
    }
    place(&h, "R-G", "ZJ-HZ-01", at).await;
    place(&h, "R-NEXT", "JS-YZ-01", "2025-01-15T16:00:00Z").await;

    // A: accepted at JS-YZ-01, billed by the office JS-YZ (its parent).
    let a = act(
        &h,
        &yz,
        "R-A",
        json!({"action": "import_waybill", "waybill": draft("81000001")}),
    )
    .await;
    let discount = a["waybill"]["discount_fen"].as_i64().unwrap();
    assert!(discount > 0, "{a}");
    // B: returned as a duplicate; C: returned, unreachable.
    act(
        &h,
        &yz,
        "R-B",
        json!({"action": "return", "reason_code": "duplicate", "note": ""}),
    )
    .await;
    act(
        &h,
        &yz,
        "R-C",
        json!({"action": "return", "reason_code": "unreachable", "note": ""}),
    )
    .await;
    // D: the customer cancels.
    let (s, v) = h
        .call(
            reqwest::Method::POST,
            "/api/v1/inbound/orders/R-D/cancel",
            Some(common::UPSTREAM),
            None,
            &[],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    // E stays pending. F: accepted at JS-YZ-01, billed by 杭州 (代开).
    act(&h, &yz, "R-F", accept()).await;
    let f = act(
        &h,
        &hz,
        "R-F",
        json!({"action": "import_waybill", "waybill": draft("81000002"), "logistics_no": "WLR-F"}),
    )
    .await;
    let discount_f = f["waybill"]["discount_fen"].as_i64().unwrap();
    // G: accepted at ZJ-HZ-01, then the pickup failed.
    act(&h, &hz, "R-G", accept()).await;
    act(
        &h,
        &hz,
        "R-G",
        json!({"action": "pickup_failed", "reason_code": "goods_not_ready", "note": ""}),
    )
    .await;

    let q = format!("from={DAY}&to={DAY}");
    let hq = report(&h, &admin, &q).await;
    check_sums(&hq);
    assert_eq!(hq["outlet_code"], "HQ");
    // valid: A C E F G; billed: A F.
    assert_eq!(
        counts(&hq["total"]),
        [5, 2, 2, 2, 2, 1, 1, 1, discount + discount_f]
    );
    assert!((hq["total"]["ratio"].as_f64().unwrap() - 0.4).abs() < 1e-9);
    // JS: A (billed by JS-YZ for JS-YZ-01), C, E; F is 杭州's but 被代开 here.
    assert_eq!(
        counts(row(&hq, Some("JS"))),
        [3, 1, 1, 2, 2, 0, 1, 1, discount]
    );
    assert_eq!(
        counts(row(&hq, Some("ZJ"))),
        [2, 1, 1, 0, 0, 1, 0, 0, discount_f]
    );
    assert_eq!(
        counts(row(&hq, None)),
        [0; 9],
        "the pool holds none of these"
    );
    assert_eq!(hq["days"].as_array().unwrap().len(), 1);
    assert_eq!(hq["days"][0]["valid"], 5);

    // Drill down to the office: its sub-outlet and its own row.
    let office = report(&h, &yz, &q).await;
    assert_eq!(
        office["outlet_code"], "JS-YZ",
        "a clerk's own outlet by default"
    );
    check_sums(&office);
    assert_eq!(
        counts(row(&office, Some("JS-YZ-01"))),
        [2, 0, 0, 2, 2, 0, 1, 1, 0]
    );
    assert_eq!(
        counts(row(&office, Some("JS-YZ"))),
        [1, 1, 1, 0, 0, 0, 0, 0, discount]
    );
    assert!(
        row(&office, Some("JS-YZ"))["name"]
            .as_str()
            .unwrap()
            .contains("本级")
    );

    // The orders behind the numbers.
    assert_eq!(
        behind(&h, &yz, "outlet=JS-YZ-01&column=returned").await,
        ["R-B", "R-C"]
    );
    assert_eq!(
        behind(&h, &yz, "outlet=JS-YZ-01&column=billed_by_others").await,
        ["R-A", "R-F"]
    );
    assert_eq!(
        behind(&h, &yz, "outlet=JS-YZ&part=own&column=billed").await,
        ["R-A"]
    );
    assert_eq!(
        behind(&h, &admin, "outlet=HQ&column=valid").await,
        ["R-A", "R-C", "R-E", "R-F", "R-G"]
    );
    assert_eq!(
        behind(&h, &admin, "outlet=ZJ&column=pickup_failed").await,
        ["R-G"]
    );
    assert_eq!(behind(&h, &admin, "part=pool").await, Vec::<String>::new());

    // The next China day holds only R-NEXT; a two-day range both.
    let next = report(&h, &admin, "from=2025-01-16&to=2025-01-16").await;
    assert_eq!(next["total"]["valid"], 1);
    let both = report(&h, &admin, "from=2025-01-15&to=2025-01-16").await;
    assert_eq!(both["total"]["valid"], 6);
    assert_eq!(both["days"].as_array().unwrap().len(), 2);

    // HQ reassigns the returned order C elsewhere: it counts there now.
    act(
        &h,
        &admin,
        "R-C",
        json!({"action": "assign", "outlet_code": "ZJ-HZ-01"}),
    )
    .await;
    let hq2 = report(&h, &admin, &q).await;
    check_sums(&hq2);
    assert_eq!(row(&hq2, Some("JS"))["returned"], 1);
    assert_eq!(row(&hq2, Some("ZJ"))["open"], 1);
    assert_eq!(hq2["total"]["valid"], 5);
}

async fn an_outlet_moved_takes_its_counts_along(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let admin = h.admin().await;
    let yz = h.login("yz.clerk", DEMO_PW).await;
    place(&h, "M-1", "JS-YZ-01", "2025-01-15T03:00:00Z").await;
    place(&h, "M-2", "JS-YZ-01", "2025-01-15T03:00:00Z").await;
    act(
        &h,
        &yz,
        "M-1",
        json!({"action": "import_waybill", "waybill": draft("81000003")}),
    )
    .await;
    let q = format!("from={DAY}&to={DAY}");
    let before = report(&h, &admin, &q).await;
    assert_eq!(row(&before, Some("JS"))["valid"], 2);

    h.move_outlet(&admin, "JS-YZ-01", "ZJ").await;
    let after = report(&h, &admin, &q).await;
    check_sums(&after);
    // M-1 was billed by JS-YZ (it stays); M-2 moved with its outlet.
    assert_eq!(row(&after, Some("JS"))["valid"], 1);
    assert_eq!(row(&after, Some("ZJ"))["valid"], 1);
    assert_eq!(row(&after, Some("ZJ"))["billed_by_others"], 1);
    assert_eq!(counts(&after["total"]), counts(&before["total"]));
}

async fn bad_input_is_refused_with_its_reason(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let admin = h.admin().await;
    let yz = h.login("yz.clerk", DEMO_PW).await;
    for (query, status, want) in [
        ("from=2025-02-01&to=2025-01-01", 422, "period_reversed"),
        ("from=2024-01-01&to=2025-01-01", 422, "period_too_long"),
        ("from=2025-13-01&to=2025-12-01", 422, "invalid_date"),
        ("from=yesterday", 422, "invalid_date"),
        ("outlet=NOPE", 404, "unknown_outlet"),
    ] {
        let (s, v) = h
            .get(&format!("/api/v1/reports/ali_conversion?{query}"), &admin)
            .await;
        assert_eq!((s, code(&v)), (status, want), "{query}: {v}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
    // 366 days is the longest period.
    report(&h, &admin, "from=2024-01-01&to=2024-12-31").await;
    // A clerk sees only their own subtree.
    let (s, v) = h.get("/api/v1/reports/ali_conversion?outlet=ZJ", &yz).await;
    assert_eq!((s, code(&v)), (403, "forbidden"), "{v}");
    let (s, v) = h.get("/api/v1/reports/ali_conversion?outlet=JS", &yz).await;
    assert_eq!(s, 403, "the parent is outside too: {v}");
    for (query, status) in [
        ("part=pool", 403),
        ("outlet=ZJ", 403),
        ("column=nope", 422),
        ("part=everything", 422),
    ] {
        let (s, v) = h
            .get(
                &format!("/api/v1/reports/ali_conversion/orders?{query}"),
                &yz,
            )
            .await;
        assert_eq!(s, status, "{query}: {v}");
    }
    // Without a token, nothing.
    let (s, _) = h
        .call(
            reqwest::Method::GET,
            "/api/v1/reports/ali_conversion",
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(s, 401);
}
