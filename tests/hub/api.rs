//! order-hub's session, outlet, staff and parameter endpoints, over real
//! HTTP on loopback: every success and every error status of API.md.

use crate::common;

use common::{DEMO_PW, TestHub, code};
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
