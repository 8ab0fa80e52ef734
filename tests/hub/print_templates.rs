//! The network's print templates (issue 13, API.md "Print templates"):
//! everyone reads them, an administrator changes one with If-Match, and
//! what breaks a rule is refused with the field named.

use reqwest::Method;
use serde_json::json;

use crate::common::{DEMO_PW, Engine, TestHub, code};

on_both_engines!(a_template_change_moves_the_feeds_params_revision);

/// A template change moves the settings revision every feed page
/// carries, so clients fetch the templates again. (The routes themselves
/// are checked on both engines in `conformance_network.rs`.)
async fn a_template_change_moves_the_feeds_params_revision(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let clerk = h.login("yz.clerk", DEMO_PW).await;
    let (_, page) = h.get("/api/v1/orders/changes?limit=1", &clerk).await;
    let revision = page["params_revision"].as_i64().expect("revision");
    let admin = h.admin().await;
    let body = json!({"paper": "A4", "fields": ["order_no", "consignee"],
        "font_size_pt": 10.0, "copies": 1, "privacy": false});
    let (s, v) = h
        .put(
            "/api/v1/print_templates/packing_list",
            &admin,
            1,
            body.clone(),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, page) = h.get("/api/v1/orders/changes?limit=1", &clerk).await;
    assert_eq!(
        page["params_revision"].as_i64(),
        Some(revision + 1),
        "{page}"
    );
    // A refused change moves nothing.
    let (s, v) = h
        .put("/api/v1/print_templates/packing_list", &admin, 1, body)
        .await;
    assert_eq!((s, code(&v)), (412, "version_moved"));
    let (_, page) = h.get("/api/v1/orders/changes?limit=1", &clerk).await;
    assert_eq!(page["params_revision"].as_i64(), Some(revision + 1));
}

/// The document is built from the code, the same on either engine.
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
