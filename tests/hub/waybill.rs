//! 开单 through order-hub's API (SPEC 3.5): importing an order into a
//! waybill priced on the rate card, visibility by billing outlet, every
//! bad input of issue 10, and waybills keeping their prices, on both
//! engines. Products,
//! the rate card's maintenance and spreadsheets, quotes and waybill reads
//! are checked on both engines in `conformance_network.rs`.

use crate::common;

use crate::conformance_network::{draft, expected};
use common::{DEMO_PW, Engine, TestHub, inbound};
use outlet_desk::domain::pricing;
use serde_json::{Value, json};

on_both_engines!(
    an_accepted_order_is_billed_with_the_ali_discounts,
    another_outlet_needs_the_logistics_number_and_then_sees_the_order,
    a_waybill_keeps_its_prices_when_its_line_changes_or_retires,
);

pub(crate) fn import(d: Value) -> Value {
    json!({"action": "import_waybill", "waybill": d})
}

fn accept() -> Value {
    json!({"action": "accept", "weight_g": 600000, "volume_cm3": 60000, "pickup_required": false})
}

/// A demo hub (rate card seeded) on `engine` with order `no` pending at
/// 扬州邗江营业部, and its clerk's token.
pub(crate) async fn hub_with_order(engine: Engine, no: &str) -> Option<(TestHub, String)> {
    let h = TestHub::start_on(engine, true, |_| {}).await?;
    let (s, v) = h
        .inbound(inbound(no, "acct-1", "扬州", Some("JS-YZ-01")))
        .await;
    assert_eq!(s, 201, "{v}");
    let yz = h.login("yz.clerk", DEMO_PW).await;
    Some((h, yz))
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

async fn an_accepted_order_is_billed_with_the_ali_discounts(engine: Engine) {
    let Some((h, yz)) = hub_with_order(engine, "w-1").await else {
        return;
    };
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

async fn another_outlet_needs_the_logistics_number_and_then_sees_the_order(engine: Engine) {
    let Some((h, yz)) = hub_with_order(engine, "w-3").await else {
        return;
    };
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

async fn a_waybill_keeps_its_prices_when_its_line_changes_or_retires(engine: Engine) {
    let Some((h, yz)) = hub_with_order(engine, "w-8").await else {
        return;
    };
    let admin = h.admin().await;
    let (s, created) = h.post("/api/v1/rate_lines", &admin, line_body()).await;
    assert_eq!(s, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
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
