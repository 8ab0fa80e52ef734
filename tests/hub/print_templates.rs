//! The network's print templates (issue 13, API.md "Print templates"):
//! everyone reads them, an administrator changes one with If-Match, and
//! what breaks a rule is refused with the field named.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{DEMO_PW, TestHub, code};

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

#[tokio::test]
async fn every_user_reads_the_defaults_and_an_admin_changes_one_with_if_match() {
    let h = TestHub::start(true).await;
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

    let (_, page) = h.get("/api/v1/orders/changes?limit=1", &clerk).await;
    let revision = page["params_revision"].as_i64().expect("revision");

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
    let (_, list) = h.get("/api/v1/print_templates", &clerk).await;
    assert_eq!(
        find(&list, "label")["font_size_pt"],
        12.0,
        "nothing written"
    );

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

    // The change moves the revision the feed carries, so clients refetch.
    let (_, page) = h.get("/api/v1/orders/changes?limit=1", &clerk).await;
    assert_eq!(
        page["params_revision"].as_i64(),
        Some(revision + 1),
        "{page}"
    );
}

#[tokio::test]
async fn a_clerk_cannot_change_a_template() {
    let h = TestHub::start(true).await;
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

#[tokio::test]
async fn a_template_that_breaks_a_rule_is_refused_and_the_old_one_stays() {
    let h = TestHub::start(true).await;
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

#[tokio::test]
async fn the_openapi_document_names_every_answer_of_the_template_routes() {
    let h = TestHub::start(false).await;
    let (s, v) = h
        .call(Method::GET, "/api/v1/openapi.json", None, None, &[])
        .await;
    assert_eq!(s, 200);
    let list = &v["paths"]["/api/v1/print_templates"]["get"]["responses"];
    for status in ["200", "400", "401", "429", "503"] {
        assert!(list[status].is_object(), "GET lacks {status}: {list}");
    }
    let put = &v["paths"]["/api/v1/print_templates/{document}"]["put"]["responses"];
    for status in [
        "200", "400", "401", "403", "404", "412", "413", "422", "429", "503",
    ] {
        assert!(put[status].is_object(), "PUT lacks {status}: {put}");
    }
    assert!(v["components"]["schemas"]["PrintTemplate"].is_object());
}
