//! 开单 through order-hub's API (SPEC 3.5): importing an order into a
//! waybill priced on the rate card, visibility by billing outlet, every
//! bad input of issue 10, and the rate card's maintenance and spreadsheets.

use crate::common;

use common::{DEMO_PW, TestHub, code, inbound};
use outlet_desk::domain::Outlet;
use outlet_desk::domain::pricing::{self, PriceParams, RateCard, RateLine};
use serde_json::{Value, json};

/// A waybill draft to 广州 by `product`.
pub(crate) fn draft(no: &str, product: &str, weight_g: i64) -> Value {
    json!({
        "waybill_no": no, "product_code": product,
        "dest_province": "广东省", "dest_city": "广州", "dest_district": "天河区",
        "consignee": {"name": "李四", "phone": "13900000000", "address": "中山路 2 号"},
        "cargo": {"name": "服装", "pieces": 3, "weight_g": weight_g, "volume_cm3": 60000, "packaging": "纸箱"},
        "declared_value_fen": 150000, "cod_amount_fen": 0, "cod_refund": "three_day",
        "payment": "sender", "pickup_required": true, "pickup_distance_m": 10000,
        "single_pickup_address": true, "delivery": "door"
    })
}

pub(crate) fn import(d: Value) -> Value {
    json!({"action": "import_waybill", "waybill": d})
}

fn accept() -> Value {
    json!({"action": "accept", "weight_g": 600000, "volume_cm3": 60000, "pickup_required": false})
}

/// A demo hub (rate card seeded) with order `no` pending at 扬州邗江营业部.
async fn hub_with_order(no: &str) -> (TestHub, String) {
    let h = TestHub::start(true).await;
    let (s, v) = h
        .inbound(inbound(no, "acct-1", "扬州", Some("JS-YZ-01")))
        .await;
    assert_eq!(s, 201, "{v}");
    let yz = h.login("yz.clerk", DEMO_PW).await;
    (h, yz)
}

pub(crate) async fn accepted(h: &TestHub, token: &str, no: &str) {
    let (s, v) = h.act(token, no, &uuid(), accept()).await;
    assert_eq!(s, 200, "{v}");
}

pub(crate) fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn order(h: &TestHub, token: &str, no: &str) -> Value {
    let (s, v) = h.get(&format!("/api/v1/orders/{no}"), token).await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn events(h: &TestHub, token: &str, no: &str) -> Vec<String> {
    let (s, v) = h.get(&format!("/api/v1/orders/{no}/events"), token).await;
    assert_eq!(s, 200, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

/// What the domain prices `d` at for `outlet` on the card the hub serves.
async fn expected(h: &TestHub, token: &str, d: &Value, outlet: &str) -> pricing::Quote {
    let (_, lines) = h.get("/api/v1/rate_lines", token).await;
    let lines: Vec<RateLine> = serde_json::from_value(lines["lines"].clone()).unwrap();
    let (_, outlets) = h.get("/api/v1/outlets", token).await;
    let outlets: Vec<Outlet> = serde_json::from_value(outlets["outlets"].clone()).unwrap();
    let o = outlets.iter().find(|o| o.code == outlet).unwrap();
    let (_, products) = h.get("/api/v1/products", token).await;
    pricing::quote(
        &serde_json::from_value(d.clone()).unwrap(),
        o,
        &RateCard::new(lines),
        &serde_json::from_value::<Vec<_>>(products).unwrap(),
        &PriceParams::default(),
        pricing::pricing_day(chrono::Utc::now()),
    )
    .unwrap()
}

fn amounts(q: &Value, list: &str) -> Vec<(String, i64)> {
    q[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_owned(),
                c["amount_fen"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn products_and_the_demo_card() {
    let h = TestHub::start(true).await;
    let t = h.login("yz.clerk", DEMO_PW).await;
    let (s, v) = h.get("/api/v1/products", &t).await;
    assert_eq!(s, 200);
    let codes: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "JZKH",
            "JZCY",
            "JZQY_LONG",
            "JZQY_SHORT",
            "AGENT_VEHICLE",
            "JZKY",
            "JZZC"
        ]
    );
    assert_eq!(v[4]["mode"], "partner_line");
    assert_eq!(v[1]["haul"], "short");
    let (s, v) = h
        .get(
            "/api/v1/rate_lines?product=AGENT_VEHICLE&dest_province=福建",
            &t,
        )
        .await;
    assert_eq!(s, 200);
    let anxi = &v["lines"][0];
    assert_eq!(anxi["dest_district"], "安溪县");
    assert_eq!(anxi["via_city"], "厦门");
    assert!(v["revision"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn an_accepted_order_is_billed_with_the_ali_discounts() {
    let (h, yz) = hub_with_order("w-1").await;
    accepted(&h, &yz, "w-1").await;
    let d = draft("12345678", "JZKH", 600_000);
    // The quote commits nothing and says what the import will store.
    let (s, quote) = h
        .post(
            "/api/v1/waybills/quote",
            &yz,
            json!({"order_no": "w-1", "waybill": d}),
        )
        .await;
    assert_eq!(s, 200, "{quote}");
    assert_eq!(order(&h, &yz, "w-1").await["status"], "accepted");
    let (s, o) = h.act(&yz, "w-1", &uuid(), import(d.clone())).await;
    assert_eq!(s, 200, "{o}");
    assert_eq!(o["status"], "billed");
    assert_eq!(o["billing_outlet_code"], "JS-YZ");
    assert_eq!(o["accepting_outlet_code"], "JS-YZ-01");
    assert_eq!(o["waybill_no"], "12345678");
    let w = &o["waybill"];
    let want = expected(&h, &yz, &d, "JS-YZ").await;
    let got: pricing::Quote = serde_json::from_value(w.clone()).unwrap();
    assert_eq!(got.charges, want.charges);
    assert_eq!(
        (got.published_fen, got.discount_fen, got.total_fen),
        (want.published_fen, want.discount_fen, want.total_fen)
    );
    // Both Ali discounts, with their reasons in words.
    assert_eq!(
        amounts(w, "discounts"),
        [
            ("ALI_SERVICE_FEE".to_owned(), 200),
            ("ALI_FREE_PICKUP".to_owned(), 3_000)
        ]
    );
    assert_eq!(w["discounts"][0]["reason"], "阿里订单免收综合服务费");
    assert_eq!(quote["total_fen"], w["total_fen"]);
    assert_eq!(w["total_fen"], w["prepaid_fen"]);
    // The stored waybill, by number.
    let (s, stored) = h.get("/api/v1/waybills/12345678", &yz).await;
    assert_eq!(s, 200, "{stored}");
    assert_eq!(stored["order_no"], "w-1");
    assert_eq!(stored["billed_by"], "yz.clerk");
    assert_eq!(stored["charges"], w["charges"]);
    assert_eq!(
        events(&h, &yz, "w-1").await,
        ["created", "accept", "import_waybill"]
    );
}

#[tokio::test]
async fn another_outlet_needs_the_logistics_number_and_then_sees_the_order() {
    let (h, yz) = hub_with_order("w-3").await;
    accepted(&h, &yz, "w-3").await;
    let hz = h.login("hz.clerk", DEMO_PW).await;
    let d = draft("22345678", "JZKH", 30_000);
    let (_, unknown) = h
        .act(&hz, "no-such-order", &uuid(), import(d.clone()))
        .await;
    for logistics in [None, Some("WL-wrong")] {
        let mut body = import(d.clone());
        if let Some(l) = logistics {
            body["logistics_no"] = json!(l);
        }
        let (s, v) = h.act(&hz, "w-3", &uuid(), body).await;
        assert_eq!(s, 404, "{v}");
        assert_eq!(v, unknown, "a wrong pair answers like an unknown order");
    }
    let (s, v) = h.get("/api/v1/orders/changes?limit=1000", &hz).await;
    assert_eq!(s, 200);
    assert!(!v["orders"].to_string().contains("w-3"));
    let mut body = import(d);
    body["logistics_no"] = json!("WLw-3");
    let (s, o) = h.act(&hz, "w-3", &uuid(), body).await;
    assert_eq!(s, 200, "{o}");
    assert_eq!(o["billing_outlet_code"], "ZJ-HZ");
    assert_eq!(o["accepting_outlet_code"], "JS-YZ-01");
    // The billing outlet now sees it in full and in its feed; the
    // accepting outlet still does.
    assert!(order(&h, &hz, "w-3").await.get("shipper").is_some());
    let (feed, _, _) = h.feed(&hz, None).await;
    assert!(
        feed.iter()
            .any(|o| o["order_no"] == "w-3" && o["status"] == "billed")
    );
    assert!(order(&h, &yz, "w-3").await.get("shipper").is_some());
    let (s, _) = h.get("/api/v1/waybills/22345678", &hz).await;
    assert_eq!(s, 200);
    let bj = h.login("bj.clerk", DEMO_PW).await;
    let (s, _) = h.get("/api/v1/waybills/22345678", &bj).await;
    assert_eq!(s, 404, "outside both subtrees");
}

fn line_body() -> Value {
    json!({
        "origin_province": "江苏省", "origin_city": "扬州",
        "dest_province": "西藏自治区", "dest_city": "拉萨", "product_code": "JZKH",
        "min_charge_fen": 5000,
        "tiers": [{"from_weight_g": 0, "heavy_fen_per_kg": 500, "from_volume_cm3": 0, "light_fen_per_m3": 90000},
                  {"from_weight_g": 100000, "heavy_fen_per_kg": 450, "from_volume_cm3": 500000, "light_fen_per_m3": 80000}],
        "effective_from": "2026-01-01"
    })
}

#[tokio::test]
async fn admins_keep_rate_lines_and_waybills_keep_their_prices() {
    let (h, yz) = hub_with_order("w-8").await;
    let admin = h.admin().await;
    let (s, v) = h.post("/api/v1/rate_lines", &yz, line_body()).await;
    assert_eq!(s, 403, "{v}");
    // Bad lines name the field.
    let bad = |f: &dyn Fn(&mut Value)| {
        let mut b = line_body();
        f(&mut b);
        b
    };
    for (body, field, rule) in [
        (
            bad(&|b| b["tiers"][1]["from_weight_g"] = json!(0)),
            "tiers",
            "tiers_not_ascending",
        ),
        (
            bad(&|b| b["min_charge_fen"] = json!(-1)),
            "min_charge_fen",
            "negative_price",
        ),
        (
            bad(&|b| b["tiers"][0]["heavy_fen_per_kg"] = json!(-3)),
            "tiers",
            "negative_price",
        ),
        (
            bad(&|b| b["product_code"] = json!("ROCKET")),
            "product_code",
            "unknown_product",
        ),
    ] {
        let (s, v) = h.post("/api/v1/rate_lines", &admin, body).await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(
            v["error"]["fields"][0],
            json!({"field": field, "code": rule})
        );
    }
    let (s, created) = h.post("/api/v1/rate_lines", &admin, line_body()).await;
    assert_eq!(s, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (s, v) = h.post("/api/v1/rate_lines", &admin, line_body()).await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "overlapping_line");
    // Bill with it.
    let mut d = draft("82345678", "JZKH", 30_000);
    d["dest_province"] = json!("西藏自治区");
    d["dest_city"] = json!("拉萨");
    let (s, o) = h.act(&yz, "w-8", &uuid(), import(d)).await;
    assert_eq!(s, 200, "{o}");
    assert_eq!(o["waybill"]["rate_line_id"], id);
    assert_eq!(o["waybill"]["rate_line_version"], 1);
    let frt = o["waybill"]["charges"][0].clone();
    // A price change never alters the issued waybill.
    let mut dearer = created.clone();
    dearer["tiers"][0]["heavy_fen_per_kg"] = json!(900);
    let (s, v) = h
        .put(
            &format!("/api/v1/rate_lines/{id}"),
            &admin,
            7,
            dearer.clone(),
        )
        .await;
    assert_eq!((s, code(&v)), (412, "version_moved"));
    let (s, v) = h
        .put(&format!("/api/v1/rate_lines/{id}"), &admin, 1, dearer)
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 2);
    let (_, w) = h.get("/api/v1/waybills/82345678", &yz).await;
    assert_eq!(w["charges"][0], frt);
    assert_eq!(w["rate_line_version"], 1);
    // Retired: gone from the card, still behind the waybill.
    let (s, _) = h.delete(&format!("/api/v1/rate_lines/{id}"), &admin).await;
    assert_eq!(s, 204);
    let (_, list) = h.get("/api/v1/rate_lines?dest_province=西藏", &yz).await;
    assert_eq!(list["lines"], json!([]));
    let (s, _) = h.delete(&format!("/api/v1/rate_lines/{id}"), &admin).await;
    assert_eq!(s, 404);
    let (_, w2) = h.get("/api/v1/waybills/82345678", &yz).await;
    assert_eq!(w2, w);
}

async fn import_sheet(h: &TestHub, token: &str, ty: &str, body: Vec<u8>) -> (u16, Value) {
    let r = h
        .http
        .post(h.url("/api/v1/rate_lines/import"))
        .bearer_auth(token)
        .header("Content-Type", ty)
        .body(body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

const HEAD: &str = "id,product_code,origin_province,origin_city,dest_province,dest_city,dest_district,via_province,via_city,min_charge_fen,effective_from,effective_to,tier1_from_weight_g,tier1_heavy_fen_per_kg,tier1_from_volume_cm3,tier1_light_fen_per_m3,tier2_from_weight_g,tier2_heavy_fen_per_kg,tier2_from_volume_cm3,tier2_light_fen_per_m3";

#[tokio::test]
async fn a_rate_card_import_is_all_or_nothing() {
    let h = TestHub::start(true).await;
    let admin = h.admin().await;
    let (_, before) = h.get("/api/v1/rate_lines", &admin).await;
    let good = |city: &str| {
        format!(
            ",JZKH,江苏省,,西藏自治区,{city},,,,5000,2026-01-01,,0,500,0,90000,100000,450,500000,80000"
        )
    };
    // One bad cell among good rows: nothing changes, every bad cell named.
    let csv = format!(
        "{HEAD}\n{}\n{}\n{}\n",
        good("拉萨"),
        good("日喀则").replace(",450,", ",四百五,"),
        good("林芝").replace("2026-01-01", "2026-02-30"),
    );
    let (s, v) = import_sheet(&h, &admin, "text/csv", csv.into_bytes()).await;
    assert_eq!((s, code(&v)), (422, "invalid_rate_card"), "{v}");
    let cells: Vec<(i64, &str)> = v["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        cells,
        [(3, "tier2_heavy_fen_per_kg"), (4, "effective_from")]
    );
    // Rule errors and overlaps too: tiers out of order, two rows on one route.
    let csv = format!(
        "{HEAD}\n{}\n{}\n{}\n",
        good("拉萨"),
        good("拉萨"),
        good("日喀则").replace(",100000,", ",0,"),
    );
    let (s, v) = import_sheet(&h, &admin, "text/csv", csv.into_bytes()).await;
    assert_eq!(s, 422, "{v}");
    let cells: Vec<(i64, &str)> = v["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        cells,
        [
            (2, "effective_from"),
            (3, "effective_from"),
            (4, "tier1_from_weight_g")
        ]
    );
    let (_, after) = h.get("/api/v1/rate_lines", &admin).await;
    assert_eq!(after, before, "nothing changed");
    // Fixed: imported; the same file again changes nothing.
    let csv = format!("{HEAD}\n{}\n{}\n", good("拉萨"), good("日喀则"));
    let (s, v) = import_sheet(&h, &admin, "text/csv", csv.clone().into_bytes()).await;
    assert_eq!(
        (s, v.clone()),
        (200, json!({"added": 2, "updated": 0})),
        "{v}"
    );
    // The export reads back in: .xlsx round trip changes nothing.
    let r = h
        .http
        .get(h.url("/api/v1/rate_lines/export"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let xlsx = r.bytes().await.unwrap().to_vec();
    let (s, v) = import_sheet(
        &h,
        &admin,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        xlsx,
    )
    .await;
    assert_eq!(
        (s, v.clone()),
        (200, json!({"added": 0, "updated": 0})),
        "{v}"
    );
    // CSV export by Accept, with the BOM Excel needs.
    let r = h
        .http
        .get(h.url("/api/v1/rate_lines/export"))
        .bearer_auth(&admin)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(
        text.starts_with("\u{feff}id,product_code"),
        "{}",
        &text[..40]
    );
    assert!(text.contains("日喀则"));
    // An edited export: one changed price updates that line only.
    let rows: Vec<&str> = text.lines().collect();
    let lhasa = rows.iter().find(|r| r.contains("拉萨")).unwrap();
    let edited = lhasa.replacen(",5000,", ",6000,", 1);
    let csv = format!("{}\n{edited}\n", rows[0]);
    let (s, v) = import_sheet(&h, &admin, "text/csv", csv.into_bytes()).await;
    assert_eq!(
        (s, v.clone()),
        (200, json!({"added": 0, "updated": 1})),
        "{v}"
    );
    // A clerk may not import.
    let clerk = h.login("yz.clerk", DEMO_PW).await;
    let (s, _) = import_sheet(&h, &clerk, "text/csv", b"x".to_vec()).await;
    assert_eq!(s, 403);
}
