//! The conformance suite (issue 15): each check below runs twice, once
//! against a hub on SQLite (`conformance::sqlite::`) and once against the
//! same hub on PostgreSQL (`conformance::postgres::`, skipped where this
//! machine cannot run a throw-away cluster, see `common::pg`). The
//! PostgreSQL hub is the SQLite hub's first start copied over by
//! `order-hub migrate`'s code, so both start from the same data and the
//! same assertions hold for both.
//!
//! This module holds sessions, parameters, the outlet list and staff; the
//! order writes, the order reads and the network / rate card / templates
//! have theirs (`conformance_orders`, `conformance_reads`,
//! `conformance_network`). The hub tests in their own files run on both
//! engines the same way (`on_both_engines!`), but for those about SQLite
//! itself or about what answers in front of either engine, which say why.

use crate::common;

use common::{ADMIN_PW, DEMO_PW, Engine, TestHub, code};
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    login_logout_and_token_checks,
    tokens_expire,
    parameters_are_typed_and_checked,
    error_messages_follow_accept_language,
    first_start_creates_hq_and_admin_and_demo_network,
    staff_query_create_update,
    the_last_admin_cannot_be_demoted;
    postgres_only: two_hubs_share_sessions_and_parameters,
);

async fn login_logout_and_token_checks(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let (s, v) = h
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(json!({"login": "admin", "password": ADMIN_PW})),
            &[],
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["user"]["login"], "admin");
    assert_eq!(v["user"]["name"], "系统管理员");
    assert_eq!(v["user"]["role"], "admin");
    assert_eq!(v["user"]["outlet_code"], "HQ");
    assert!(v["expires_at"].as_str().is_some());
    let token = v["token"].as_str().unwrap().to_owned();

    // Wrong password and unknown user: same status, same message.
    let (s1, wrong) = h
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(json!({"login": "admin", "password": "nope"})),
            &[],
        )
        .await;
    let (s2, unknown) = h
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(json!({"login": "ghost", "password": "nope"})),
            &[],
        )
        .await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(wrong, unknown);
    assert_eq!(code(&wrong), "bad_credentials");
    assert!(!wrong["error"]["message"].as_str().unwrap().is_empty());

    // Malformed JSON: 400 in the error format.
    let r = h
        .http
        .post(h.url("/api/v1/session"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(code(&v), "malformed_json");
    let (s, v) = h
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(json!({"login": 5})),
            &[],
        )
        .await;
    assert_eq!((s, code(&v)), (400, "invalid_body"));

    // No token, bad token.
    let (s, v) = h
        .call(Method::GET, "/api/v1/parameters", None, None, &[])
        .await;
    assert_eq!((s, code(&v)), (401, "unauthorized"));
    let (s, _) = h.get("/api/v1/parameters", "not-a-token").await;
    assert_eq!(s, 401);

    // Logout ends the token.
    assert_eq!(h.get("/api/v1/parameters", &token).await.0, 200);
    let (s, _) = h.delete("/api/v1/session", &token).await;
    assert_eq!(s, 204);
    assert_eq!(h.get("/api/v1/parameters", &token).await.0, 401);

    // A demo clerk can log in too.
    h.login("yz.clerk", DEMO_PW).await;
}

async fn tokens_expire(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, false, |c| {
        c.token_ttl = std::time::Duration::from_secs(1)
    })
    .await
    else {
        return;
    };
    let t = h.admin().await;
    assert_eq!(h.get("/api/v1/parameters", &t).await.0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let (s, v) = h.get("/api/v1/parameters", &t).await;
    assert_eq!((s, code(&v)), (401, "unauthorized"));
}

async fn parameters_are_typed_and_checked(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, false, |_| {}).await else {
        return;
    };
    let t = h.admin().await;
    let (s, v) = h.get("/api/v1/parameters", &t).await;
    assert_eq!(s, 200);
    let list = v.as_array().unwrap();
    let cats: std::collections::HashSet<_> =
        list.iter().filter_map(|p| p["category"].as_str()).collect();
    for c in ["sla", "discount", "reasons", "sync", "print"] {
        assert!(cats.contains(c), "category {c}");
    }
    let get = |k: &str| list.iter().find(|p| p["key"] == k).unwrap().clone();
    let overdue = get("sla.overdue_minutes");
    assert_eq!(overdue["value"], 120);
    assert_eq!(overdue["type"], "minutes");
    assert_eq!(overdue["min"], 10);
    assert!(!overdue["description"].as_str().unwrap().is_empty());
    assert_eq!(get("sla.call_window_minutes")["value"], 15);
    assert_eq!(get("discount.service_fee_fen")["value"], 200);
    assert_eq!(
        get("reasons.return")["value"][0]["code"],
        "customer_not_shipping"
    );

    let (s, v) = h
        .call(
            Method::PUT,
            "/api/v1/parameters/sla.overdue_minutes",
            Some(&t),
            Some(json!({"value": 60})),
            &[],
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["value"], 60);
    assert_eq!(v["updated_by"], "admin");
    // Out of range: 422 and the old value stays.
    let (s, v) = h
        .call(
            Method::PUT,
            "/api/v1/parameters/sla.overdue_minutes",
            Some(&t),
            Some(json!({"value": 5})),
            &[],
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "out_of_range");
    let (_, v) = h.get("/api/v1/parameters", &t).await;
    let now = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "sla.overdue_minutes")
        .unwrap()["value"]
        .clone();
    assert_eq!(now, 60);
    let (s, _) = h
        .call(
            Method::PUT,
            "/api/v1/parameters/no.such",
            Some(&t),
            Some(json!({"value": 1})),
            &[],
        )
        .await;
    assert_eq!(s, 404);
}

async fn error_messages_follow_accept_language(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, false, |_| {}).await else {
        return;
    };
    let (_, zh) = h
        .call(Method::GET, "/api/v1/outlets", None, None, &[])
        .await;
    let (_, en) = h
        .call(
            Method::GET,
            "/api/v1/outlets",
            None,
            None,
            &[("Accept-Language", "en-US,en;q=0.9")],
        )
        .await;
    assert_eq!(code(&zh), code(&en));
    assert_eq!(zh["error"]["message"], "未登录或登录已过期");
    assert_eq!(
        en["error"]["message"],
        "Not logged in, or the session expired"
    );
    let (s, v) = h
        .call(Method::GET, "/api/v1/nowhere", None, None, &[])
        .await;
    assert_eq!((s, code(&v)), (404, "not_found"));
}

async fn first_start_creates_hq_and_admin_and_demo_network(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let t = h.admin().await;
    let (s, v) = h.get("/api/v1/outlets", &t).await;
    assert_eq!(s, 200);
    let outlets = v["outlets"].as_array().unwrap();
    let hq: Vec<_> = outlets.iter().filter(|o| o["kind"] == "hq").collect();
    assert_eq!(hq.len(), 1);
    assert_eq!(hq[0]["code"], "HQ");
    assert_eq!(hq[0]["name"], "总公司");
    assert!(hq[0]["parent_code"].is_null());
    let branches = outlets.iter().filter(|o| o["kind"] == "branch").count();
    assert!(branches >= 3, "{branches} branches");
    let cities: std::collections::HashSet<_> = outlets
        .iter()
        .filter(|o| o["kind"] != "hq" && o["kind"] != "branch")
        .filter_map(|o| o["city"].as_str())
        .collect();
    for c in ["扬州", "杭州", "北京", "厦门", "泉州"] {
        assert!(cities.contains(c), "no outlet in {c}");
    }
    assert!(cities.len() >= 6, "{cities:?}");
    let (_, staff) = h.get("/api/v1/staff", &t).await;
    let roles: std::collections::HashSet<_> = staff
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["role"].as_str())
        .collect();
    assert_eq!(roles.len(), 3, "{roles:?}");

    // Without --demo: only HQ and admin.
    let Some(bare) = TestHub::start_on(engine, false, |_| {}).await else {
        return;
    };
    let t = bare.admin().await;
    let (_, v) = bare.get("/api/v1/outlets", &t).await;
    assert_eq!(v["outlets"].as_array().unwrap().len(), 1);
}

async fn staff_query_create_update(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, true, |_| {}).await else {
        return;
    };
    let t = h.admin().await;
    // Query by name (the manual's example) and by outlet.
    let (s, v) = h
        .get(
            "/api/v1/staff?name=%E7%B3%BB%E7%BB%9F%E7%AE%A1%E7%90%86%E5%91%98",
            &t,
        )
        .await;
    assert_eq!(s, 200);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["login"], "admin");
    assert!(rows[0].get("password").is_none() && rows[0].get("password_hash").is_none());
    let (_, v) = h.get("/api/v1/staff?outlet_code=JS", &t).await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    let (_, v) = h
        .get("/api/v1/staff?outlet_code=JS&include_sub=true", &t)
        .await;
    assert_eq!(v.as_array().unwrap().len(), 2);
    let (_, v) = h.get("/api/v1/staff?name=%E6%9D%8E", &t).await; // 李
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|s| s["name"].as_str().unwrap().contains('李'))
    );

    // Create; the password is never returned; the new user logs in.
    let new = json!({"login": "zhang.san", "name": "张三", "outlet_code": "JS-YZ-01",
                     "role": "clerk", "phone": "13800000000", "active": true, "password": "first-pass"});
    let (s, v) = h.post("/api/v1/staff", &t, new.clone()).await;
    assert_eq!(s, 201, "{v}");
    assert!(v.get("password").is_none());
    assert_eq!(v["version"], 1);
    let zs = h.login("zhang.san", "first-pass").await;
    assert_eq!(h.get("/api/v1/outlets", &zs).await.0, 200);
    // Duplicate login 409; rule breaks 422.
    let (s, v) = h.post("/api/v1/staff", &t, new.clone()).await;
    assert_eq!((s, code(&v)), (409, "duplicate_login"));
    let mut short = new.clone();
    short["login"] = json!("li.si");
    short["password"] = json!("short");
    let (s, v) = h.post("/api/v1/staff", &t, short).await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "password_too_short");
    let mut nowhere = new.clone();
    nowhere["login"] = json!("wang.wu");
    nowhere["outlet_code"] = json!("NOPE");
    let (s, v) = h.post("/api/v1/staff", &t, nowhere).await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "unknown_outlet");

    // Edit with If-Match; stale 412.
    let mut edit = new.clone();
    edit.as_object_mut().unwrap().remove("password");
    edit["phone"] = json!("13911111111");
    let (s, v) = h.put("/api/v1/staff/zhang.san", &t, 1, edit.clone()).await;
    assert_eq!(s, 200);
    assert_eq!(v["version"], 2);
    let (s, v) = h.put("/api/v1/staff/zhang.san", &t, 1, edit.clone()).await;
    assert_eq!((s, code(&v)), (412, "version_moved"));
    assert_eq!(v["error"]["current"]["phone"], "13911111111");
    let (s, _) = h.put("/api/v1/staff/nobody", &t, 1, edit.clone()).await;
    assert_eq!(s, 404);

    // Reset the password: the old one stops working, sessions end.
    let mut reset = edit.clone();
    reset["password"] = json!("second-pass");
    let (s, _) = h.put("/api/v1/staff/zhang.san", &t, 2, reset).await;
    assert_eq!(s, 200);
    assert_eq!(h.get("/api/v1/outlets", &zs).await.0, 401);
    let (s, _) = h
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(json!({"login": "zhang.san", "password": "first-pass"})),
            &[],
        )
        .await;
    assert_eq!(s, 401);
    let zs2 = h.login("zhang.san", "second-pass").await;

    // Deactivate: logins stop, the record stays.
    let mut off = edit.clone();
    off["active"] = json!(false);
    let (s, v) = h.put("/api/v1/staff/zhang.san", &t, 3, off).await;
    assert_eq!(s, 200);
    assert_eq!(v["active"], false);
    assert_eq!(h.get("/api/v1/outlets", &zs2).await.0, 401);
    // The right password is told the account is deactivated (issue 14).
    let (s, v) = h
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(json!({"login": "zhang.san", "password": "second-pass"})),
            &[],
        )
        .await;
    assert_eq!((s, code(&v)), (403, "account_deactivated"));
    let (_, v) = h.get("/api/v1/staff?name=%E5%BC%A0%E4%B8%89", &t).await;
    assert_eq!(v.as_array().unwrap().len(), 1);
}

async fn the_last_admin_cannot_be_demoted(engine: Engine) {
    let Some(h) = TestHub::start_on(engine, false, |_| {}).await else {
        return;
    };
    let t = h.admin().await;
    let body = json!({"login": "admin", "name": "系统管理员", "outlet_code": "HQ",
                      "role": "clerk", "phone": "", "active": true});
    let (s, v) = h.put("/api/v1/staff/admin", &t, 1, body).await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "last_admin");
}

/// Several hubs behind a load balancer: a session opened through one
/// works on the other, a parameter changed through one is what the other
/// serves, and a logout through one ends the session on both.
async fn two_hubs_share_sessions_and_parameters() {
    let Some(a) = TestHub::start_on(Engine::Postgres, true, |_| {}).await else {
        return;
    };
    let b = a.another_hub().await;
    let on_b = |path: &str| format!("{}{path}", b.url());
    let token = a.admin().await;
    let r = a
        .http
        .put(on_b("/api/v1/parameters/sla.overdue_minutes"))
        .bearer_auth(&token)
        .json(&json!({"value": 45}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "the session opened on A works on B");
    let (s, v) = a.get("/api/v1/parameters", &token).await;
    assert_eq!(s, 200);
    let through_a = v
        .as_array()
        .and_then(|l| l.iter().find(|p| p["key"] == "sla.overdue_minutes"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(through_a["value"], 45, "A serves what B stored: {v}");
    assert_eq!(through_a["updated_by"], "admin");

    let (s, _) = a.delete("/api/v1/session", &token).await;
    assert_eq!(s, 204);
    let r = a
        .http
        .get(on_b("/api/v1/parameters"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 401, "logged out on A is logged out on B");
    b.stop().await;
}
