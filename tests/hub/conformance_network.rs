//! The conformance suite's network and settings part (issue 15): outlet
//! writes, print templates, products and the rate card, quotes and issued
//! waybills, each check run against a hub on SQLite and against the same
//! hub on PostgreSQL (see `conformance.rs`). Then PostgreSQL-only checks:
//! the same outlet writes leave the same index, counters, closure and
//! view epochs as SQLite's; writes through one hub notify every hub; two
//! hubs writing the network at once take turns.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{self, DEMO_PW, Engine, TestHub, code, inbound};
use outlet_desk::domain::Outlet;
use outlet_desk::domain::pricing::{self, PriceParams, RateCard, RateLine};
use outlet_desk::hub;

on_both_engines!(
    outlet_create_update_delete,
    outlet_list_since_a_revision_is_incremental,
    deleting_an_outlet_in_use_says_what_is_attached,
    only_admins_write_base_data,
    every_user_reads_the_templates_and_an_admin_changes_one_with_if_match,
    a_clerk_cannot_change_a_template,
    a_template_that_breaks_a_rule_is_refused_and_the_old_one_stays,
    products_and_the_demo_card,
    admins_keep_rate_lines,
    a_rate_card_import_is_all_or_nothing,
    a_quote_prices_on_the_card_and_stores_nothing,
    an_issued_waybill_is_seen_by_the_billing_and_the_order_subtrees;
    postgres_only: same_upkeep_as_sqlite, writes_notify_every_hub, two_hubs_take_turns, the_other_hub_follows_the_network,
);

fn outlet(code: &str, name: &str, parent: &str) -> Value {
    json!({
        "code": code, "name": name, "kind": "office", "parent_code": parent,
        "province": "江苏省", "city": "扬州", "district": "邗江区", "address": "文昌西路 1 号",
        "phone": "0514-8000000", "urban": true, "latitude": 32.4, "longitude": 119.4,
        "accepts_ali_orders": true, "active": true
    })
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

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

fn accept() -> Value {
    json!({"action": "accept", "weight_g": 600000, "volume_cm3": 60000, "pickup_required": false})
}

/// Orders of every kind the network's upkeep moves, placed and worked
/// through the hub's API:
/// - `n-open` pending at 扬州邗江营业部 (JS-YZ-01);
/// - `n-acc` accepted there;
/// - `n-own` billed by 扬州办事处 (JS-YZ), its own subtree: waybill 12345678;
/// - `n-dai` accepted at JS-YZ-01 and billed by 杭州办事处 (ZJ-HZ, 代开):
///   waybill 22345678, listed under both outlets' ancestors;
/// - `n-lost` addressed by Alibaba to JS-YZ-09, an outlet the network does
///   not have yet (the pool's "unknown outlet");
/// - `n-back` returned by JS-YZ-01 to the pool.
async fn place_orders(h: &TestHub) {
    let yz = h.login("yz.clerk", DEMO_PW).await;
    let hz = h.login("hz.clerk", DEMO_PW).await;
    for (no, at) in [
        ("n-open", "JS-YZ-01"),
        ("n-acc", "JS-YZ-01"),
        ("n-own", "JS-YZ-01"),
        ("n-dai", "JS-YZ-01"),
        ("n-lost", "JS-YZ-09"),
        ("n-back", "JS-YZ-01"),
    ] {
        let (s, v) = h
            .inbound(inbound(no, &format!("acct-{no}"), "扬州", Some(at)))
            .await;
        assert_eq!(s, 201, "{v}");
    }
    for no in ["n-acc", "n-dai"] {
        let (s, v) = h.act(&yz, no, &uuid(), accept()).await;
        assert_eq!(s, 200, "{v}");
    }
    let bill = |d: Value| json!({"action": "import_waybill", "waybill": d});
    let (s, v) = h
        .act(
            &yz,
            "n-own",
            &uuid(),
            bill(draft("12345678", "JZKH", 30_000)),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let mut dai = bill(draft("22345678", "JZKH", 30_000));
    dai["logistics_no"] = json!("WLn-dai");
    let (s, v) = h.act(&hz, "n-dai", &uuid(), dai).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = h
        .act(
            &yz,
            "n-back",
            &uuid(),
            json!({"action": "return", "reason_code": "other", "note": "客户改期"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
}

/// A demo hub on `engine` holding [`place_orders`]'s orders.
async fn start_with_orders(engine: Engine) -> Option<TestHub> {
    let h = TestHub::start_on(engine, true, |_| {}).await?;
    place_orders(&h).await;
    Some(h)
}

async fn outlet_create_update_delete(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let t = h.admin().await;
    let (_, before) = h.get("/api/v1/outlets", &t).await;
    let rev0 = before["revision"].as_i64().unwrap();

    // Create (the manual's example).
    let (s, v) = h
        .post(
            "/api/v1/outlets",
            &t,
            outlet("JS-YZ-T", "扬州测试办事处", "JS"),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["version"], 1);
    assert_eq!(v["name"], "扬州测试办事处");
    let (_, after) = h.get("/api/v1/outlets", &t).await;
    assert!(after["revision"].as_i64().unwrap() > rev0);

    // Duplicate code: 409.
    let (s, v) = h
        .post("/api/v1/outlets", &t, outlet("JS-YZ-T", "别的名字", "JS"))
        .await;
    assert_eq!((s, code(&v)), (409, "duplicate_code"));
    // Missing parent, duplicate sibling name, a second HQ, bad fields: 422.
    let (s, v) = h
        .post("/api/v1/outlets", &t, outlet("X1", "孤儿", "NOPE"))
        .await;
    assert_eq!((s, code(&v)), (422, "invalid_fields"));
    assert_eq!(v["error"]["fields"][0]["code"], "parent_missing");
    let (s, v) = h
        .post("/api/v1/outlets", &t, outlet("X2", "扬州测试办事处", "JS"))
        .await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "duplicate_sibling_name");
    let mut hq2 = outlet("HQ2", "第二总部", "HQ");
    hq2["kind"] = json!("hq");
    hq2["parent_code"] = Value::Null;
    let (s, v) = h.post("/api/v1/outlets", &t, hq2).await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "hq_exists");
    let mut bad = outlet("", "", "JS");
    bad["phone"] = json!("call me");
    let (s, v) = h.post("/api/v1/outlets", &t, bad).await;
    assert_eq!(s, 422);
    let fields: Vec<_> = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect();
    assert!(fields.contains(&"code".to_owned()) && fields.contains(&"phone".to_owned()));

    // Update with the right version, then a stale one: 412 with the
    // server's record.
    let mut edit = outlet("JS-YZ-T", "扬州测试办事处（新）", "JS");
    let (s, v) = h.put("/api/v1/outlets/JS-YZ-T", &t, 1, edit.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 2);
    edit["name"] = json!("晚到的修改");
    let (s, v) = h.put("/api/v1/outlets/JS-YZ-T", &t, 1, edit.clone()).await;
    assert_eq!((s, code(&v)), (412, "version_moved"));
    assert_eq!(v["error"]["current"]["name"], "扬州测试办事处（新）");
    assert_eq!(v["error"]["current"]["version"], 2);
    // Without If-Match: 400.
    let (s, v) = h
        .call(
            Method::PUT,
            "/api/v1/outlets/JS-YZ-T",
            Some(&t),
            Some(edit.clone()),
            &[],
        )
        .await;
    assert_eq!((s, code(&v)), (400, "if_match_required"));
    // Unknown outlet: 404.
    let (s, _) = h.put("/api/v1/outlets/NOPE", &t, 1, edit.clone()).await;
    assert_eq!(s, 404);
    // A move that would make a cycle: 422.
    let mut js: Value = h.get("/api/v1/outlets", &t).await.1["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "JS")
        .unwrap()
        .clone();
    let v_js = js["version"].as_i64().unwrap();
    js["parent_code"] = json!("JS-YZ-T");
    let (s, v) = h.put("/api/v1/outlets/JS", &t, v_js, js).await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "cycle");

    // Delete: 204, then 404.
    let (s, _) = h.delete("/api/v1/outlets/JS-YZ-T", &t).await;
    assert_eq!(s, 204);
    let (s, _) = h.delete("/api/v1/outlets/JS-YZ-T", &t).await;
    assert_eq!(s, 404);
}

/// `?since=`: only what changed after a revision (added, edited, deleted),
/// nothing when nothing did, and the whole list for a revision the hub
/// never had.
async fn outlet_list_since_a_revision_is_incremental(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let t = h.admin().await;
    let (_, all) = h.get("/api/v1/outlets", &t).await;
    let rev0 = all["revision"].as_i64().unwrap();
    let whole = all["outlets"].as_array().unwrap().len();
    assert_eq!(all["full"], true);

    let (s, v) = h.get(&format!("/api/v1/outlets?since={rev0}"), &t).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["full"].as_bool(), v["revision"].as_i64()),
        (Some(false), Some(rev0))
    );
    assert!(
        v["outlets"].as_array().unwrap().is_empty() && v["removed"].as_array().unwrap().is_empty()
    );

    for c in ["JS-T1", "JS-T2"] {
        let (s, v) = h.post("/api/v1/outlets", &t, outlet(c, c, "JS")).await;
        assert_eq!(s, 201, "{v}");
    }
    let (_, mid) = h.get("/api/v1/outlets", &t).await;
    let rev1 = mid["revision"].as_i64().unwrap();
    let (s, v) = h
        .put(
            "/api/v1/outlets/JS-T1",
            &t,
            1,
            outlet("JS-T1", "改名", "JS"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(h.delete("/api/v1/outlets/JS-T2", &t).await.0, 204);

    let codes = |v: &Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.get("code").unwrap_or(o).as_str().unwrap().to_owned())
            .collect()
    };
    let (_, v) = h.get(&format!("/api/v1/outlets?since={rev0}"), &t).await;
    assert_eq!(v["full"], false);
    assert_eq!(codes(&v, "outlets"), ["JS-T1"]);
    assert_eq!(v["outlets"][0]["name"], "改名");
    assert_eq!(codes(&v, "removed"), ["JS-T2"]);
    let (_, v) = h.get(&format!("/api/v1/outlets?since={rev1}"), &t).await;
    assert_eq!(
        (codes(&v, "outlets"), codes(&v, "removed")),
        (vec!["JS-T1".to_owned()], vec!["JS-T2".to_owned()])
    );
    // Recreated: listed again, no longer removed.
    let (s, v) = h
        .post("/api/v1/outlets", &t, outlet("JS-T2", "又来了", "JS"))
        .await;
    assert_eq!(s, 201, "{v}");
    let (_, v) = h.get(&format!("/api/v1/outlets?since={rev1}"), &t).await;
    assert_eq!(
        (codes(&v, "outlets"), codes(&v, "removed")),
        (
            vec!["JS-T1".to_owned(), "JS-T2".to_owned()],
            Vec::<String>::new()
        )
    );

    let ahead = v["revision"].as_i64().unwrap() + 10;
    let (_, v) = h.get(&format!("/api/v1/outlets?since={ahead}"), &t).await;
    assert_eq!(v["full"], true);
    assert_eq!(v["outlets"].as_array().unwrap().len(), whole + 2);

    // The schema's minimum 0: a negative revision is refused, not answered.
    let (s, v) = h.get("/api/v1/outlets?since=-1", &t).await;
    assert_eq!((s, code(&v)), (400, "invalid_query"));
}

async fn deleting_an_outlet_in_use_says_what_is_attached(engine: Engine) {
    let Some(h) = start_with_orders(engine).await else {
        return;
    };
    let t = h.admin().await;
    // JS-YZ has sub-outlets and a clerk.
    let (s, v) = h.delete("/api/v1/outlets/JS-YZ", &t).await;
    assert_eq!((s, code(&v)), (409, "outlet_in_use"));
    let a = &v["error"]["attached"];
    assert_eq!(a["sub_outlets"], json!(["JS-YZ-01", "JS-YZ-02"]));
    assert_eq!(a["staff"], json!(["yz.clerk"]));
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("JS-YZ-01") && msg.contains("yz.clerk"),
        "{msg}"
    );
    // JS-YZ-01 holds open orders (n-open pending, n-acc accepted; the
    // billed, returned and 代开 ones are not open there).
    let (s, v) = h.delete("/api/v1/outlets/JS-YZ-01", &t).await;
    assert_eq!((s, code(&v)), (409, "outlet_in_use"), "{v}");
    assert_eq!(
        v["error"]["attached"],
        json!({"sub_outlets": [], "staff": [], "open_orders": 2})
    );
    // It can still be deactivated instead.
    let (_, list) = h.get("/api/v1/outlets", &t).await;
    let mut o = list["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "JS-YZ")
        .unwrap()
        .clone();
    let ver = o["version"].as_i64().unwrap();
    o["active"] = json!(false);
    let (s, v) = h.put("/api/v1/outlets/JS-YZ", &t, ver, o).await;
    assert_eq!(s, 200);
    assert_eq!(v["active"], false);
    // HQ can never be deleted.
    let (s, v) = h.delete("/api/v1/outlets/HQ", &t).await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "hq_must_stay");
    // Nothing refused was deleted.
    let (_, after) = h.get("/api/v1/outlets", &t).await;
    assert_eq!(
        after["outlets"].as_array().map(Vec::len),
        list["outlets"].as_array().map(Vec::len)
    );
}

async fn only_admins_write_base_data(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    for login in ["yz.clerk", "dispatch"] {
        let t = h.login(login, DEMO_PW).await;
        // Everyone reads the network.
        assert_eq!(h.get("/api/v1/outlets", &t).await.0, 200);
        let (s, v) = h
            .post("/api/v1/outlets", &t, outlet("C1", "越权网点", "JS"))
            .await;
        assert_eq!((s, code(&v)), (403, "forbidden"), "{login}");
        assert_eq!(h.delete("/api/v1/outlets/JS-YZ-02", &t).await.0, 403);
        let mut edit = outlet("JS-YZ-02", "越权改名", "JS-YZ");
        edit["kind"] = json!("outlet");
        assert_eq!(h.put("/api/v1/outlets/JS-YZ-02", &t, 1, edit).await.0, 403);
        assert_eq!(h.get("/api/v1/staff", &t).await.0, 403);
        let (s, _) = h
            .call(
                Method::PUT,
                "/api/v1/parameters/sla.overdue_minutes",
                Some(&t),
                Some(json!({"value": 60})),
                &[],
            )
            .await;
        assert_eq!(s, 403);
        // Reading parameters is allowed.
        assert_eq!(h.get("/api/v1/parameters", &t).await.0, 200);
    }
    let t = h.admin().await;
    let (_, v) = h.get("/api/v1/outlets", &t).await;
    let names: Vec<&str> = v["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert!(!names.contains(&"越权网点") && !names.contains(&"越权改名"));
}

fn find<'a>(list: &'a Value, document: &str) -> &'a Value {
    list.as_array()
        .and_then(|l| l.iter().find(|t| t["document"] == document))
        .unwrap_or_else(|| panic!("no {document} in {list}"))
}

fn fields(v: &Value) -> Vec<(String, String)> {
    v["error"]["fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_owned(),
                        e["code"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn every_user_reads_the_templates_and_an_admin_changes_one_with_if_match(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let clerk = h.login("yz.clerk", DEMO_PW).await;
    let (s, list) = h.get("/api/v1/print_templates", &clerk).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(3), "{list}");
    let label = find(&list, "label");
    assert_eq!(label["paper"], "100x150mm");
    assert_eq!(label["font_size_pt"], 9.0);
    assert_eq!(label["copies"], 1);
    assert_eq!(label["privacy"], true);
    assert_eq!(label["version"], 1);
    assert_eq!(label["fields"][0], "barcode");
    assert_eq!(find(&list, "packing_list")["paper"], "A4");
    assert_eq!(find(&list, "delivery_note")["version"], 1);

    // An administrator makes the label text larger and drops the QR code.
    let admin = h.admin().await;
    let mut body = label.clone();
    body["font_size_pt"] = json!(12.0);
    body["fields"] = json!(["barcode", "destination", "consignee", "cargo"]);
    body["paper"] = json!("100x100mm");
    let (s, v) = h
        .put("/api/v1/print_templates/label", &admin, 1, body.clone())
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 2);
    assert_eq!(v["font_size_pt"], 12.0);
    assert_eq!(v["document"], "label");

    // Everyone reads the new one; the other documents are untouched.
    let (_, list) = h.get("/api/v1/print_templates", &clerk).await;
    let label = find(&list, "label");
    assert_eq!(label["font_size_pt"], 12.0);
    assert_eq!(label["paper"], "100x100mm");
    assert_eq!(
        label["fields"],
        json!(["barcode", "destination", "consignee", "cargo"])
    );
    assert_eq!(label["version"], 2);
    assert_eq!(find(&list, "delivery_note")["version"], 1);

    // Someone who saw version 1 is too late: 412 with the template now.
    body["font_size_pt"] = json!(7.0);
    let (s, v) = h
        .put("/api/v1/print_templates/label", &admin, 1, body.clone())
        .await;
    assert_eq!((s, code(&v)), (412, "version_moved"), "{v}");
    assert_eq!(v["error"]["current"]["version"], 2);
    assert_eq!(v["error"]["current"]["font_size_pt"], 12.0);
    // A version nobody was given is as stale.
    let note = find(&list, "delivery_note").clone();
    let (s, v) = h
        .put("/api/v1/print_templates/delivery_note", &admin, 5, note)
        .await;
    assert_eq!((s, code(&v)), (412, "version_moved"), "{v}");
    assert_eq!(v["error"]["current"]["version"], 1);
    let (_, list) = h.get("/api/v1/print_templates", &clerk).await;
    assert_eq!(
        find(&list, "label")["font_size_pt"],
        12.0,
        "nothing written"
    );
    assert_eq!(find(&list, "delivery_note")["version"], 1);

    // Without If-Match: refused as the other PUT routes refuse it.
    let (s, v) = h
        .call(
            Method::PUT,
            "/api/v1/print_templates/label",
            Some(&admin),
            Some(body.clone()),
            &[],
        )
        .await;
    assert_eq!((s, code(&v)), (400, "if_match_required"), "{v}");
}

async fn a_clerk_cannot_change_a_template(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let clerk = h.login("yz.clerk", DEMO_PW).await;
    let (_, list) = h.get("/api/v1/print_templates", &clerk).await;
    let mut body = find(&list, "label").clone();
    body["font_size_pt"] = json!(14.0);
    let (s, v) = h
        .put("/api/v1/print_templates/label", &clerk, 1, body)
        .await;
    assert_eq!(s, 403, "{v}");
    let (_, list) = h.get("/api/v1/print_templates", &clerk).await;
    assert_eq!(find(&list, "label")["font_size_pt"], 9.0);
    assert_eq!(find(&list, "label")["version"], 1);
    // Without a token nobody reads them.
    let (s, _) = h
        .call(Method::GET, "/api/v1/print_templates", None, None, &[])
        .await;
    assert_eq!(s, 401);
}

async fn a_template_that_breaks_a_rule_is_refused_and_the_old_one_stays(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let admin = h.admin().await;
    let good = json!({"paper": "A4", "fields": ["order_no", "consignee"],
        "font_size_pt": 10.0, "copies": 1, "privacy": false});
    // An unknown document is not there.
    let (s, v) = h
        .put("/api/v1/print_templates/invoice", &admin, 1, good.clone())
        .await;
    assert_eq!((s, code(&v)), (404, "not_found"), "{v}");

    let cases = [
        ("paper", json!("B5"), ("paper", "invalid_choice")),
        // A label size is not a paper for the packing list.
        ("paper", json!("100x150mm"), ("paper", "invalid_choice")),
        (
            "fields",
            json!(["order_no", "charges"]),
            ("fields", "invalid_choice"),
        ),
        (
            "fields",
            json!(["order_no", "nonsense"]),
            ("fields", "invalid_choice"),
        ),
        (
            "fields",
            json!(["order_no", "order_no"]),
            ("fields", "duplicate_field"),
        ),
        ("fields", json!([]), ("fields", "required")),
        ("font_size_pt", json!(5.5), ("font_size_pt", "out_of_range")),
        ("font_size_pt", json!(30), ("font_size_pt", "out_of_range")),
        ("copies", json!(0), ("copies", "out_of_range")),
        ("copies", json!(21), ("copies", "out_of_range")),
    ];
    for (key, value, want) in cases {
        let mut body = good.clone();
        body[key] = value.clone();
        let (s, v) = h
            .put("/api/v1/print_templates/packing_list", &admin, 1, body)
            .await;
        assert_eq!(s, 422, "{key}={value}: {v}");
        assert_eq!(
            fields(&v),
            [(want.0.to_owned(), want.1.to_owned())],
            "{key}={value}: {v}"
        );
        assert!(!v["error"]["message"].as_str().unwrap_or("").is_empty());
    }
    // Not JSON of the right shape: 400.
    let (s, v) = h
        .put(
            "/api/v1/print_templates/packing_list",
            &admin,
            1,
            json!({"paper": 4}),
        )
        .await;
    assert_eq!(s, 400, "{v}");

    let (_, list) = h.get("/api/v1/print_templates", &admin).await;
    let packing = find(&list, "packing_list");
    assert_eq!(packing["version"], 1, "nothing was written");
    assert_eq!(packing["fields"][0], "order_no");
    // The good body is taken.
    let (s, v) = h
        .put("/api/v1/print_templates/packing_list", &admin, 1, good)
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["fields"], json!(["order_no", "consignee"]));
}

async fn products_and_the_demo_card(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
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
    // Every line matches the filters; without them, more lines.
    let (_, all) = h.get("/api/v1/rate_lines", &t).await;
    let all = all["lines"].as_array().unwrap();
    assert!(all.len() > v["lines"].as_array().unwrap().len());
    assert!(
        v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["product_code"] == "AGENT_VEHICLE" && l["dest_province"] == "福建省"),
        "{v}"
    );
    let ids: Vec<i64> = all.iter().map(|l| l["id"].as_i64().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "oldest first");
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

/// Lines are added, checked, replaced with If-Match and retired; each
/// change moves the card's revision.
async fn admins_keep_rate_lines(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let admin = h.admin().await;
    let yz = h.login("yz.clerk", DEMO_PW).await;
    let revision = async || {
        let (_, v) = h.get("/api/v1/rate_lines", &admin).await;
        v["revision"].as_i64().unwrap()
    };
    let rev0 = revision().await;
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
    assert_eq!(revision().await, rev0, "nothing refused moved the card");
    let (s, created) = h.post("/api/v1/rate_lines", &admin, line_body()).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["version"], 1);
    let id = created["id"].as_i64().unwrap();
    let rev1 = revision().await;
    assert!(rev1 > rev0);
    let (s, v) = h.post("/api/v1/rate_lines", &admin, line_body()).await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "overlapping_line");
    // Everyone reads it on its route.
    let (_, list) = h.get("/api/v1/rate_lines?dest_province=西藏", &yz).await;
    assert_eq!(list["lines"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["lines"][0]["id"], id);

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
    assert_eq!(v["error"]["current"]["version"], 1);
    let (s, v) = h
        .put(
            &format!("/api/v1/rate_lines/{id}"),
            &admin,
            1,
            dearer.clone(),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 2);
    assert_eq!(v["tiers"][0]["heavy_fen_per_kg"], 900);
    assert!(revision().await > rev1);
    let (s, _) = h
        .put("/api/v1/rate_lines/999999", &admin, 1, dearer.clone())
        .await;
    assert_eq!(s, 404);
    // An edit that would overlap another line of its route is refused.
    let mut other = line_body();
    other["effective_from"] = json!("2020-01-01");
    other["effective_to"] = json!("2020-12-31");
    let (s, older) = h.post("/api/v1/rate_lines", &admin, other).await;
    assert_eq!(s, 201, "{older}");
    let mut overlapping = older.clone();
    overlapping["effective_to"] = json!(null);
    let (s, v) = h
        .put(
            &format!("/api/v1/rate_lines/{}", older["id"]),
            &admin,
            1,
            overlapping,
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["fields"][0]["code"], "overlapping_line");

    // Retired: gone from the card, kept with retired lines.
    let (s, _) = h.delete(&format!("/api/v1/rate_lines/{id}"), &admin).await;
    assert_eq!(s, 204);
    let (_, list) = h.get("/api/v1/rate_lines?dest_province=西藏", &yz).await;
    assert_eq!(list["lines"].as_array().map(Vec::len), Some(1), "{list}");
    let (_, list) = h
        .get("/api/v1/rate_lines?dest_province=西藏&retired=true", &yz)
        .await;
    let retired = list["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == id)
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(retired["retired"], true, "{list}");
    let (s, _) = h.delete(&format!("/api/v1/rate_lines/{id}"), &admin).await;
    assert_eq!(s, 404);
    let (s, _) = h
        .put(&format!("/api/v1/rate_lines/{id}"), &admin, 3, dearer)
        .await;
    assert_eq!(s, 404, "a retired line is not edited");
    let (s, _) = h.delete(&format!("/api/v1/rate_lines/{id}"), &yz).await;
    assert_eq!(s, 403);
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

async fn a_rate_card_import_is_all_or_nothing(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
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
    let (_, imported) = h.get("/api/v1/rate_lines", &admin).await;
    assert!(imported["revision"].as_i64() > before["revision"].as_i64());
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
    let (_, same) = h.get("/api/v1/rate_lines", &admin).await;
    assert_eq!(
        same, imported,
        "an import that changes nothing moves nothing"
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
    let (_, v) = h.get("/api/v1/rate_lines?dest_province=西藏", &admin).await;
    let lhasa = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["dest_city"] == "拉萨")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(
        (lhasa["min_charge_fen"].as_i64(), lhasa["version"].as_i64()),
        (Some(6000), Some(2))
    );
    // A clerk may not import.
    let clerk = h.login("yz.clerk", DEMO_PW).await;
    let (s, _) = import_sheet(&h, &clerk, "text/csv", b"x".to_vec()).await;
    assert_eq!(s, 403);
}

/// What the domain prices `d` at for `outlet` on the card the hub serves.
pub(crate) async fn expected(h: &TestHub, token: &str, d: &Value, outlet: &str) -> pricing::Quote {
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

async fn a_quote_prices_on_the_card_and_stores_nothing(engine: Engine) {
    let Some(h) = start_with_orders(engine).await else {
        return;
    };
    let yz = h.login("yz.clerk", DEMO_PW).await;
    let quote = async |d: &Value, order: &str, lang: &str| {
        h.call(
            Method::POST,
            "/api/v1/waybills/quote",
            Some(&yz),
            Some(json!({"order_no": order, "waybill": d})),
            &[("Accept-Language", lang)],
        )
        .await
    };
    for (product, weight) in [("JZKH", 600_000), ("JZQY_LONG", 20_000)] {
        let d = draft("52345678", product, weight);
        let (s, q) = quote(&d, "n-acc", "zh-CN").await;
        assert_eq!(s, 200, "{q}");
        let want = expected(&h, &yz, &d, "JS-YZ").await;
        let got: pricing::Quote = serde_json::from_value(q.clone()).unwrap();
        assert_eq!(got.charges, want.charges, "{product}");
        assert_eq!(
            (got.published_fen, got.discount_fen, got.total_fen),
            (want.published_fen, want.discount_fen, want.total_fen),
            "{product}"
        );
        assert_eq!(q["discounts"][0]["reason"], "阿里订单免收综合服务费");
    }
    // A partner line is priced with its trunk to the transfer city.
    let mut partner = draft("52345678", "AGENT_VEHICLE", 30_000);
    partner["dest_province"] = json!("福建省");
    partner["dest_city"] = json!("泉州");
    partner["dest_district"] = json!("安溪县");
    let (s, q) = quote(&partner, "n-acc", "en").await;
    assert_eq!(s, 200, "{q}");
    let want = expected(&h, &yz, &partner, "JS-YZ").await;
    assert_eq!(q["total_fen"].as_i64(), Some(want.total_fen), "{q}");
    let got: pricing::Quote = serde_json::from_value(q.clone()).unwrap();
    assert_eq!(got.charges, want.charges, "the trunk's lines are read too");
    // In the caller's language.
    let (_, en) = quote(&draft("52345678", "JZKH", 30_000), "n-acc", "en").await;
    assert_eq!(en["discounts"][0]["reason"], "Ali orders: no service fee");
    // No rate for the route: 422 naming it; an unknown order: 404.
    let mut tibet = draft("52345678", "JZKH", 30_000);
    tibet["dest_province"] = json!("西藏自治区");
    let (s, v) = quote(&tibet, "n-acc", "zh-CN").await;
    assert_eq!((s, code(&v)), (422, "no_rate"), "{v}");
    assert_eq!(v["error"]["fields"][0]["field"], "dest_city");
    let (s, v) = quote(&draft("52345678", "JZKH", 30_000), "no-such", "zh-CN").await;
    assert_eq!((s, code(&v)), (404, "not_found"), "{v}");
    // Nothing was stored: the order is still accepted, no such waybill.
    let (s, v) = h.get("/api/v1/waybills/52345678", &yz).await;
    assert_eq!(s, 404, "{v}");
}

async fn an_issued_waybill_is_seen_by_the_billing_and_the_order_subtrees(engine: Engine) {
    let Some(h) = start_with_orders(engine).await else {
        return;
    };
    let yz = h.login("yz.clerk", DEMO_PW).await;
    let hz = h.login("hz.clerk", DEMO_PW).await;
    let bj = h.login("bj.clerk", DEMO_PW).await;
    let (s, own) = h.get("/api/v1/waybills/12345678", &yz).await;
    assert_eq!(s, 200, "{own}");
    assert_eq!(own["order_no"], "n-own");
    assert_eq!(own["billed_by"], "yz.clerk");
    assert_eq!(own["billing_outlet_code"], "JS-YZ");
    assert_eq!(own["discounts"][0]["reason"], "阿里订单免收综合服务费");
    let (s, _) = h.get("/api/v1/waybills/12345678", &hz).await;
    assert_eq!(s, 404, "ZJ-HZ neither billed nor holds n-own");
    // 代开: the billing outlet and the order's outlet both see it.
    let (s, dai) = h.get("/api/v1/waybills/22345678", &hz).await;
    assert_eq!(s, 200, "{dai}");
    assert_eq!(dai["billing_outlet_code"], "ZJ-HZ");
    let (s, seen) = h.get("/api/v1/waybills/22345678", &yz).await;
    assert_eq!(s, 200);
    assert_eq!(seen, dai);
    let (s, v) = h.get("/api/v1/waybills/22345678", &bj).await;
    assert_eq!(s, 404, "outside both subtrees");
    let (s, unknown) = h.get("/api/v1/waybills/99999999", &bj).await;
    assert_eq!(s, 404);
    assert_eq!(v, unknown, "answers like an unknown number");
    // In the caller's language.
    let (_, en) = h
        .call(
            Method::GET,
            "/api/v1/waybills/12345678",
            Some(&yz),
            None,
            &[("Accept-Language", "en")],
        )
        .await;
    assert_eq!(en["discounts"][0]["reason"], "Ali orders: no service fee");
}

/// One outlet write, as the admin, on `h`; answers its status.
async fn outlet_write(h: &TestHub, admin: &str, step: &Step) -> u16 {
    match step {
        Step::Add(code, parent) => {
            let mut o = outlet(code, &format!("网点{code}"), parent);
            o["kind"] = json!(if *parent == "HQ" { "branch" } else { "outlet" });
            h.post("/api/v1/outlets", admin, o).await.0
        }
        Step::Move(code, parent) => {
            h.move_outlet(admin, code, parent).await;
            200
        }
        Step::Rename(code) => {
            let (_, list) = h.get("/api/v1/outlets", admin).await;
            let mut o = list["outlets"]
                .as_array()
                .and_then(|l| l.iter().find(|o| o["code"] == *code))
                .cloned()
                .unwrap_or_else(|| panic!("no {code}"));
            let v = o["version"].as_i64().unwrap();
            o["name"] = json!(format!("{}（改）", o["name"].as_str().unwrap_or("")));
            h.put(&format!("/api/v1/outlets/{code}"), admin, v, o)
                .await
                .0
        }
        Step::Delete(code) => h.delete(&format!("/api/v1/outlets/{code}"), admin).await.0,
    }
}

enum Step {
    Add(&'static str, &'static str),
    Move(&'static str, &'static str),
    Rename(&'static str),
    Delete(&'static str),
}

/// Every change the network's upkeep can make, over orders of every kind.
const SCRIPT: &[Step] = &[
    // A leaf that orders were already addressed to: they leave the pool.
    Step::Add("JS-YZ-09", "JS-YZ"),
    // A new branch and an empty outlet under it.
    Step::Add("AH", "HQ"),
    Step::Add("AH-01", "AH"),
    // The outlet holding most orders moves to the new branch, its 代开
    // order still counted for 杭州 too.
    Step::Move("JS-YZ-01", "AH"),
    // A rename changes no one's ancestors.
    Step::Rename("ZJ-HZ"),
    // The outlet that billed n-dai (代开) moves: its counts and listing
    // as the billing outlet follow.
    Step::Move("ZJ-HZ", "JS"),
    Step::Move("ZJ-HZ", "ZJ"),
    // An office with its outlets moves under another office.
    Step::Move("JS-YZ", "JS-NJ"),
    Step::Delete("AH-01"),
    // Back where it was.
    Step::Move("JS-YZ-01", "JS-YZ"),
    Step::Move("JS-YZ", "JS"),
    Step::Delete("AH"),
];

type Rows = BTreeSet<Vec<String>>;

/// The upkeep's tables on SQLite, each row as text.
fn sqlite_state(path: &std::path::Path) -> Vec<(&'static str, Rows)> {
    let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open hub.db");
    STATE
        .iter()
        .map(|(name, sql, _)| {
            let mut st = c.prepare(sql).expect(name);
            let n = st.column_count();
            let rows = st
                .query_map([], |r| {
                    (0..n)
                        .map(|i| {
                            Ok(match r.get_ref(i)? {
                                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                                rusqlite::types::ValueRef::Null => "NULL".into(),
                                v => v.as_str().unwrap_or("?").to_owned(),
                            })
                        })
                        .collect::<rusqlite::Result<Vec<String>>>()
                })
                .expect(name)
                .collect::<rusqlite::Result<Rows>>()
                .expect(name);
            (*name, rows)
        })
        .collect()
}

/// The same tables on PostgreSQL.
async fn postgres_state(url: &str) -> Vec<(&'static str, Rows)> {
    let c = hub::pg::connect(url).await.expect("connect");
    let mut out = Vec::new();
    for (name, _, sql) in STATE {
        let rows = c.query(*sql, &[]).await.expect(name);
        let rows: Rows = rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        r.get::<_, Option<String>>(i)
                            .unwrap_or_else(|| "NULL".into())
                    })
                    .collect()
            })
            .collect();
        out.push((*name, rows));
    }
    out
}

/// (table, SQLite query, PostgreSQL query): what the network's upkeep
/// writes, in text both engines print alike.
const STATE: &[(&str, &str, &str)] = &[
    (
        "outlet_closure",
        "SELECT code, anc FROM outlet_closure",
        "SELECT code, anc FROM outlet_closure",
    ),
    (
        "order_scope",
        "SELECT anc, status, order_no FROM order_scope",
        "SELECT anc, status, order_no FROM order_scope",
    ),
    (
        "scope_count",
        "SELECT anc, status, n FROM scope_count",
        "SELECT anc, status, n::text FROM scope_count",
    ),
    (
        "order_feed",
        "SELECT anc, order_no, seq FROM order_feed",
        "SELECT anc, order_no, seq::text FROM order_feed",
    ),
    (
        "report_day",
        "SELECT anc, day, valid, billed, for_others, by_others, returned, pickup_failed,
                cancelled, open, discount_fen FROM report_day",
        "SELECT anc, day::text, valid::text, billed::text, for_others::text, by_others::text,
                returned::text, pickup_failed::text, cancelled::text, open::text,
                discount_fen::text FROM report_day",
    ),
    (
        "view epochs and revisions",
        "SELECT key, value FROM meta WHERE key LIKE 'view_epoch:%' OR key = 'outlet_revision'",
        "SELECT key, value FROM meta WHERE key LIKE 'view_epoch:%' OR key = 'outlet_revision'",
    ),
    (
        "outlets",
        "SELECT code, parent_code, version, revision FROM outlets",
        "SELECT code, parent_code, version::text, revision::text FROM outlets",
    ),
    (
        "outlets_removed",
        "SELECT code, revision FROM outlets_removed",
        "SELECT code, revision::text FROM outlets_removed",
    ),
];

/// The same outlet writes through a hub on SQLite and one on PostgreSQL
/// holding the same orders leave the same closure, scope index, change
/// log, report counters, view epochs and list revisions.
async fn same_upkeep_as_sqlite() {
    let lite = TestHub::start(true).await;
    place_orders(&lite).await;
    // The PostgreSQL hub starts from a copy of this database.
    lite.hub.stop().await;
    let lite_db = lite.dir.path().join("hub.db");
    let copy = tempfile::tempdir().expect("temp dir");
    rusqlite::Connection::open(&lite_db)
        .and_then(|c| {
            c.execute(
                "VACUUM INTO ?1",
                [copy.path().join("hub.db").display().to_string()],
            )
        })
        .expect("copy");
    let Some(pg) = TestHub::served_on_postgres(copy, true, |_| {}).await else {
        return;
    };
    let lite = TestHub {
        hub: hub::start(common::config(lite.dir.path(), true))
            .await
            .expect("restarts"),
        dir: lite.dir,
        http: reqwest::Client::new(),
        pg: None,
    };
    let url = pg.pg.as_ref().map(|(_, u)| u.clone()).expect("url");
    assert_eq!(
        sqlite_state(&lite_db),
        postgres_state(&url).await,
        "the copy starts equal"
    );
    let (a_lite, a_pg) = (lite.admin().await, pg.admin().await);
    for (i, step) in SCRIPT.iter().enumerate() {
        let s = outlet_write(&lite, &a_lite, step).await;
        assert_eq!(outlet_write(&pg, &a_pg, step).await, s, "step {i}");
        assert!(s == 200 || s == 201 || s == 204, "step {i}: {s}");
        let (on_lite, on_pg) = (sqlite_state(&lite_db), postgres_state(&url).await);
        for ((table, l), (_, p)) in on_lite.iter().zip(&on_pg) {
            assert_eq!(
                l.symmetric_difference(p).collect::<Vec<_>>(),
                Vec::<&Vec<String>>::new(),
                "step {i}: {table} differs (rows on one side only)"
            );
        }
    }
    // The script did move things: the pool lost n-lost, epochs rose.
    let state = sqlite_state(&lite_db);
    let scope = &state[1].1;
    assert!(scope.contains(&vec!["JS-YZ-09".into(), "pending".into(), "n-lost".into()]));
    assert!(!scope.contains(&vec![String::new(), "pending".into(), "n-lost".into()]));
    assert!(
        state[5].1.iter().any(|r| r[0] == "view_epoch:AH"),
        "{:?}",
        state[5].1
    );
}

/// Outlet, template and rate line writes through one hub are each
/// announced on the wake channel when they commit (so every other hub's
/// waiting feeds look again); a refused write announces nothing.
async fn writes_notify_every_hub() {
    let Some(h) = TestHub::start_on(Engine::Postgres, true, |_| {}).await else {
        return;
    };
    let url = h.pg.as_ref().map(|(_, u)| u.clone()).expect("url");
    let (listener, mut conn) = hub::pg::config(&url)
        .expect("config")
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connect");
    let (tx, mut heard) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(m)) = std::future::poll_fn(|cx| conn.poll_message(cx)).await {
            if let tokio_postgres::AsyncMessage::Notification(n) = m {
                let _ = tx.send((n.channel().to_owned(), n.payload().to_owned()));
            }
        }
    });
    listener
        .batch_execute(&format!("LISTEN {}", hub::pg::notify::CHANNEL))
        .await
        .expect("listen");
    let next = async |heard: &mut tokio::sync::mpsc::UnboundedReceiver<(String, String)>| {
        tokio::time::timeout(std::time::Duration::from_secs(5), heard.recv())
            .await
            .ok()
            .flatten()
    };
    let admin = h.admin().await;
    let wake = Some((hub::pg::notify::CHANNEL.to_owned(), "*".to_owned()));

    let (s, _) = h
        .post("/api/v1/outlets", &admin, outlet("JS-N1", "新网点", "JS"))
        .await;
    assert_eq!(s, 201);
    assert_eq!(next(&mut heard).await, wake, "outlet added");
    let (s, _) = h
        .post("/api/v1/outlets", &admin, outlet("JS-N1", "重复", "JS"))
        .await;
    assert_eq!(s, 409);
    let (s, _) = h.delete("/api/v1/outlets/JS-N1", &admin).await;
    assert_eq!(s, 204);
    assert_eq!(
        next(&mut heard).await,
        wake,
        "outlet deleted, the refused add unheard"
    );

    let (_, list) = h.get("/api/v1/print_templates", &admin).await;
    let mut label = find(&list, "label").clone();
    label["copies"] = json!(2);
    let (s, _) = h
        .put("/api/v1/print_templates/label", &admin, 1, label.clone())
        .await;
    assert_eq!(s, 200);
    assert_eq!(next(&mut heard).await, wake, "template changed");
    let (s, _) = h
        .put("/api/v1/print_templates/label", &admin, 1, label)
        .await;
    assert_eq!(s, 412);

    let (s, _) = h.post("/api/v1/rate_lines", &admin, line_body()).await;
    assert_eq!(s, 201);
    assert_eq!(
        next(&mut heard).await,
        wake,
        "rate line added, the stale template unheard"
    );
    let (s, _) = h.post("/api/v1/rate_lines", &admin, line_body()).await;
    assert_eq!(s, 422);
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(500), heard.recv())
            .await
            .is_err(),
        "a refused line is unheard"
    );
}

/// Two hubs on one database: the same new outlet code sent to both at
/// once is added once (the other answers 409), and two overlapping rate
/// lines sent at once are not both taken.
async fn two_hubs_take_turns() {
    let Some(a) = TestHub::start_on(Engine::Postgres, true, |_| {}).await else {
        return;
    };
    let b = a.another_hub().await;
    let admin = a.admin().await;
    let http = reqwest::Client::new();
    let send = |base: String, path: &'static str, body: Value| {
        let (http, admin) = (http.clone(), admin.clone());
        async move {
            http.post(format!("{base}{path}"))
                .bearer_auth(&admin)
                .json(&body)
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }
    };
    for round in 0..5 {
        let code = format!("JS-R{round}");
        let body = outlet(&code, &code, "JS");
        let (x, y) = tokio::join!(
            send(a.hub.url(), "/api/v1/outlets", body.clone()),
            send(b.url(), "/api/v1/outlets", body)
        );
        let mut got = [x, y];
        got.sort_unstable();
        assert_eq!(got, [201, 409], "round {round}");

        let mut line = line_body();
        line["dest_city"] = json!(format!("城{round}"));
        let (x, y) = tokio::join!(
            send(a.hub.url(), "/api/v1/rate_lines", line.clone()),
            send(b.url(), "/api/v1/rate_lines", line)
        );
        let mut got = [x, y];
        got.sort_unstable();
        assert_eq!(got, [201, 422], "round {round}");
    }
    let (_, v) = a.get("/api/v1/outlets", &admin).await;
    let added = v["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["code"].as_str().is_some_and(|c| c.starts_with("JS-R")))
        .count();
    assert_eq!(added, 5);
    b.stop().await;
}

/// An outlet moved through one hub changes who may read a waybill on the
/// other at once: its network follows the outlet revision, not its own
/// cache.
async fn the_other_hub_follows_the_network() {
    let Some(a) = start_with_orders(Engine::Postgres).await else {
        return;
    };
    let b = a.another_hub().await;
    let bj = a.login("bj.clerk", DEMO_PW).await;
    let on_b = async |path: &str| {
        let r = a
            .http
            .get(format!("{}{path}", b.url()))
            .bearer_auth(&bj)
            .send()
            .await
            .expect("send");
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap_or(Value::Null))
    };
    // 北京朝阳 neither billed 22345678 (杭州 did) nor holds its order.
    let (s, v) = on_b("/api/v1/waybills/22345678").await;
    assert_eq!(s, 404, "{v}");
    let admin = a.admin().await;
    a.move_outlet(&admin, "JS-YZ-01", "BJ-CY").await;
    let (s, v) = on_b("/api/v1/waybills/22345678").await;
    assert_eq!(s, 200, "the order's outlet is under 北京朝阳 now: {v}");
    assert_eq!(v["order_no"], "n-dai");
    let (_, list) = on_b("/api/v1/outlets").await;
    let moved = list["outlets"]
        .as_array()
        .and_then(|l| l.iter().find(|o| o["code"] == "JS-YZ-01"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(moved["parent_code"], "BJ-CY");
    b.stop().await;
}
