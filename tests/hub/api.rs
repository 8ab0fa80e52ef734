//! order-hub's session, outlet, staff and parameter endpoints, over real
//! HTTP on loopback: every success and every error status of API.md.

use crate::common;

use common::{ADMIN_PW, DEMO_PW, TestHub, code};
use reqwest::Method;
use serde_json::{Value, json};

fn outlet(code: &str, name: &str, parent: &str) -> Value {
    json!({
        "code": code, "name": name, "kind": "office", "parent_code": parent,
        "province": "江苏省", "city": "扬州", "district": "邗江区", "address": "文昌西路 1 号",
        "phone": "0514-8000000", "urban": true, "latitude": 32.4, "longitude": 119.4,
        "accepts_ali_orders": true, "active": true
    })
}

#[tokio::test]
async fn health_and_openapi_need_no_login() {
    let h = TestHub::start(false).await;
    let (s, v) = h.call(Method::GET, "/healthz", None, None, &[]).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "ok");
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

#[tokio::test]
async fn login_logout_and_token_checks() {
    let h = TestHub::start(true).await;
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
        .call(Method::GET, "/api/v1/outlets", None, None, &[])
        .await;
    assert_eq!((s, code(&v)), (401, "unauthorized"));
    let (s, _) = h.get("/api/v1/outlets", "not-a-token").await;
    assert_eq!(s, 401);

    // Logout ends the token.
    assert_eq!(h.get("/api/v1/outlets", &token).await.0, 200);
    let (s, _) = h.delete("/api/v1/session", &token).await;
    assert_eq!(s, 204);
    assert_eq!(h.get("/api/v1/outlets", &token).await.0, 401);

    // A demo clerk can log in too.
    h.login("yz.clerk", DEMO_PW).await;
}

#[tokio::test]
async fn tokens_expire() {
    let h = TestHub::start_with(false, |c| c.token_ttl = std::time::Duration::from_secs(1)).await;
    let t = h.admin().await;
    assert_eq!(h.get("/api/v1/outlets", &t).await.0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let (s, v) = h.get("/api/v1/outlets", &t).await;
    assert_eq!((s, code(&v)), (401, "unauthorized"));
}

#[tokio::test]
async fn error_messages_follow_accept_language() {
    let h = TestHub::start(false).await;
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

#[tokio::test]
async fn first_start_creates_hq_and_admin_and_demo_network() {
    let h = TestHub::start(true).await;
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
    let bare = TestHub::start(false).await;
    let t = bare.admin().await;
    let (_, v) = bare.get("/api/v1/outlets", &t).await;
    assert_eq!(v["outlets"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn outlet_create_update_delete() {
    let h = TestHub::start(true).await;
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
#[tokio::test]
async fn outlet_list_since_a_revision_is_incremental() {
    let h = TestHub::start(true).await;
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

    let ahead = v["revision"].as_i64().unwrap() + 10;
    let (_, v) = h.get(&format!("/api/v1/outlets?since={ahead}"), &t).await;
    assert_eq!(v["full"], true);
    assert_eq!(v["outlets"].as_array().unwrap().len(), whole + 1);

    // The schema's minimum 0: a negative revision is refused, not answered.
    let (s, v) = h.get("/api/v1/outlets?since=-1", &t).await;
    assert_eq!((s, code(&v)), (400, "invalid_query"));
}

#[tokio::test]
async fn deleting_an_outlet_in_use_says_what_is_attached() {
    let h = TestHub::start(true).await;
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
}

#[tokio::test]
async fn only_admins_write_base_data() {
    let h = TestHub::start(true).await;
    for login in ["yz.clerk", "dispatch"] {
        let t = h.login(login, DEMO_PW).await;
        // Everyone reads the network.
        assert_eq!(h.get("/api/v1/outlets", &t).await.0, 200);
        let (s, v) = h
            .post("/api/v1/outlets", &t, outlet("C1", "越权网点", "JS"))
            .await;
        assert_eq!((s, code(&v)), (403, "forbidden"), "{login}");
        assert_eq!(h.delete("/api/v1/outlets/JS-YZ-02", &t).await.0, 403);
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
}

#[tokio::test]
async fn staff_query_create_update() {
    let h = TestHub::start(true).await;
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

#[tokio::test]
async fn the_last_admin_cannot_be_demoted() {
    let h = TestHub::start(false).await;
    let t = h.admin().await;
    let body = json!({"login": "admin", "name": "系统管理员", "outlet_code": "HQ",
                      "role": "clerk", "phone": "", "active": true});
    let (s, v) = h.put("/api/v1/staff/admin", &t, 1, body).await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "last_admin");
}

#[tokio::test]
async fn parameters_are_typed_and_checked() {
    let h = TestHub::start(false).await;
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
