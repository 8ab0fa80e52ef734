//! order-hub's endpoints that need no login, over real HTTP on loopback,
//! on both engines. The session, outlet, staff, parameter and settings
//! routes are checked on both engines in `conformance*.rs`.

use crate::common;

use common::{Engine, TestHub};
use reqwest::Method;

on_both_engines!(health_readiness_and_openapi_need_no_login);

async fn health_readiness_and_openapi_need_no_login(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, false, |_| {}).await else {
        return;
    };
    let (s, v) = h.call(Method::GET, "/healthz", None, None, &[]).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "ok");
    assert!(v["server_time"].as_str().is_some());
    // Ready: the database takes a write.
    let (s, v) = h.call(Method::GET, "/readyz", None, None, &[]).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "ready");
    assert!(v["server_time"].as_str().is_some());
    let (s, v) = h
        .call(Method::GET, "/api/v1/openapi.json", None, None, &[])
        .await;
    assert_eq!(s, 200);
    let paths = v["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/session",
        "/api/v1/outlets",
        "/api/v1/outlets/{code}",
        "/api/v1/staff",
        "/api/v1/staff/{login}",
        "/api/v1/parameters",
        "/api/v1/parameters/{key}",
        "/healthz",
    ] {
        assert!(paths.contains_key(p), "openapi lacks {p}");
    }
    assert!(v["components"]["schemas"]["Outlet"].is_object());
    // Issue 9 item 16: the order's optional dispatch reason is documented.
    let order = &v["components"]["schemas"]["Order"];
    assert!(
        order["properties"]["dispatch_reason"].is_object(),
        "{order}"
    );
    assert!(v["components"]["schemas"]["DispatchRule"].is_object());
}
