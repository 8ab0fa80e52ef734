//! Shared test helpers: a real order-hub on 127.0.0.1:0 with its database
//! in a temp dir, and a plain HTTP client to talk to it.
#![allow(dead_code)]

#[macro_use]
mod engines;
pub mod pg;
mod pg_first_start;
mod stored;
pub mod sync;

use outlet_desk::hub::{self, EmbeddedHub, HubConfig, RunningHub};
use serde_json::{Value, json};

/// The admin password every test hub gets.
pub const ADMIN_PW: &str = "admin-pass-1";
/// The password of every demo account in test hubs.
pub const DEMO_PW: &str = "demo-pass-1";
/// The upstream token of test hubs.
pub const UPSTREAM: &str = "upstream-token-1";

/// A config for a test hub in `dir`.
pub fn config(dir: &std::path::Path, demo: bool) -> HubConfig {
    let mut cfg = HubConfig::new(([127, 0, 0, 1], 0).into(), dir.to_path_buf());
    cfg.demo = demo;
    cfg.demo_rate = 0;
    cfg.admin_password = Some(ADMIN_PW.into());
    cfg.demo_password = Some(DEMO_PW.into());
    cfg.upstream_token = Some(UPSTREAM.into());
    cfg
}

/// A hub running on the test's tokio runtime.
pub struct TestHub {
    pub hub: RunningHub,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    /// On PostgreSQL: its throw-away cluster and the database's URL.
    pub pg: Option<(pg::PgCluster, String)>,
}

/// The engine a conformance test's hub runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl TestHub {
    /// Starts a hub with (or without) the demo network.
    pub async fn start(demo: bool) -> TestHub {
        Self::start_with(demo, |_| {}).await
    }

    /// Starts a hub after letting `tweak` change the config.
    pub async fn start_with(demo: bool, tweak: impl FnOnce(&mut HubConfig)) -> TestHub {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cfg = config(dir.path(), demo);
        tweak(&mut cfg);
        let hub = hub::start(cfg).await.expect("hub starts");
        TestHub {
            hub,
            dir,
            http: reqwest::Client::new(),
            pg: None,
        }
    }

    /// [`TestHub::start_with`] on `engine`. On PostgreSQL: a copy of the
    /// same hub's first start on SQLite (so the same first start and demo
    /// data) moved by `order-hub migrate`'s code into a throw-away cluster
    /// ([`pg::PgCluster::first_start_copy`]), served from there. `None`
    /// (after printing why) where this machine cannot run PostgreSQL.
    pub async fn start_on(
        engine: Engine,
        demo: bool,
        tweak: impl FnOnce(&mut HubConfig),
    ) -> Option<TestHub> {
        if engine == Engine::Sqlite {
            return Some(Self::start_with(demo, tweak).await);
        }
        let cluster = pg::PgCluster::or_skip()?;
        let url = cluster.first_start_copy(demo).await;
        let dir = tempfile::tempdir().expect("temp dir");
        Some(Self::served_from(cluster, url, dir, demo, tweak).await)
    }

    /// This SQLite hub's data served on `engine`: itself on SQLite; on
    /// PostgreSQL, stopped, its database copied by `order-hub migrate`'s
    /// code into a throw-away cluster and served from there (so a test
    /// can prepare its data through SQLite-only paths first). `None`
    /// (after printing why) where this machine cannot run PostgreSQL.
    pub async fn onto(
        self,
        engine: Engine,
        demo: bool,
        tweak: impl FnOnce(&mut HubConfig),
    ) -> Option<TestHub> {
        if engine == Engine::Sqlite {
            return Some(self);
        }
        let cluster = pg::PgCluster::or_skip()?;
        let TestHub { hub, dir, .. } = self;
        hub.stop().await;
        Some(Self::copied_into(cluster, dir, demo, tweak).await)
    }

    /// The (stopped) SQLite hub database in `dir` copied by `order-hub
    /// migrate`'s code into a throw-away cluster and served from there.
    /// `None` (after printing why) where this machine cannot run
    /// PostgreSQL.
    pub async fn served_on_postgres(
        dir: tempfile::TempDir,
        demo: bool,
        tweak: impl FnOnce(&mut HubConfig),
    ) -> Option<TestHub> {
        let cluster = pg::PgCluster::or_skip()?;
        Some(Self::copied_into(cluster, dir, demo, tweak).await)
    }

    /// [`TestHub::served_on_postgres`] in `cluster`.
    async fn copied_into(
        cluster: pg::PgCluster,
        dir: tempfile::TempDir,
        demo: bool,
        tweak: impl FnOnce(&mut HubConfig),
    ) -> TestHub {
        let url = cluster.database("conformance").await;
        pg_first_start::migrate(dir.path(), &url).await;
        Self::served_from(cluster, url, dir, demo, tweak).await
    }

    /// A hub serving the PostgreSQL database at `url` in `cluster`.
    async fn served_from(
        cluster: pg::PgCluster,
        url: String,
        dir: tempfile::TempDir,
        demo: bool,
        tweak: impl FnOnce(&mut HubConfig),
    ) -> TestHub {
        let mut cfg = config(dir.path(), demo);
        tweak(&mut cfg);
        cfg.postgres = Some(url.clone());
        let hub = hub::start(cfg).await.expect("hub starts on PostgreSQL");
        TestHub {
            hub,
            dir,
            http: reqwest::Client::new(),
            pg: Some((cluster, url)),
        }
    }

    /// Another hub on this hub's PostgreSQL database.
    pub async fn another_hub(&self) -> RunningHub {
        let (_, url) = self.pg.as_ref().expect("a hub on PostgreSQL");
        let mut cfg = config(self.dir.path(), false);
        cfg.postgres = Some(url.clone());
        hub::start(cfg).await.expect("second hub starts")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.hub.url())
    }

    /// Logs in and returns the token.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let r = self
            .http
            .post(self.url("/api/v1/session"))
            .json(&json!({"login": login, "password": password}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200, "login {login}");
        let v: Value = r.json().await.expect("json");
        v["token"].as_str().expect("token").to_owned()
    }

    pub async fn admin(&self) -> String {
        self.login("admin", ADMIN_PW).await
    }

    /// Sends a request and returns (status, JSON body or Null).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("send");
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, v)
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, Some(token), None, &[])
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(token), Some(body), &[])
            .await
    }

    /// Moves outlet `code` under `parent` as the admin (token `admin`).
    #[allow(dead_code)] // not every test binary moves outlets
    pub async fn move_outlet(&self, admin: &str, code: &str, parent: &str) {
        let (s, list) = self.get("/api/v1/outlets", admin).await;
        assert_eq!(s, 200, "{list}");
        let mut o = list["outlets"]
            .as_array()
            .and_then(|all| all.iter().find(|o| o["code"] == code))
            .cloned()
            .unwrap_or_else(|| panic!("no outlet {code}"));
        let version = o["version"].as_i64().unwrap();
        o["parent_code"] = serde_json::json!(parent);
        let (s, v) = self
            .put(&format!("/api/v1/outlets/{code}"), admin, version, o)
            .await;
        assert_eq!(s, 200, "{v}");
    }

    pub async fn put(&self, path: &str, token: &str, version: i64, body: Value) -> (u16, Value) {
        let tag = format!("\"{version}\"");
        self.call(
            reqwest::Method::PUT,
            path,
            Some(token),
            Some(body),
            &[("If-Match", &tag)],
        )
        .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::DELETE, path, Some(token), None, &[])
            .await
    }
}

/// A hub on its own thread and runtime, for tests whose own executor is
/// not tokio (iced's emulator).
pub fn embedded(demo: bool) -> (EmbeddedHub, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let hub = EmbeddedHub::spawn(config(&dir.path().join("hub"), demo)).expect("hub starts");
    (hub, dir)
}

/// Places `body` as upstream's new order at the hub on `url`, from a
/// test that is not itself async; the hub must take it (201).
pub fn place_order(rt: &tokio::runtime::Runtime, url: &str, body: &Value) {
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{url}/api/v1/inbound/orders"))
            .bearer_auth(UPSTREAM)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    });
}

/// The error code of an error body.
pub fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// An inbound order body from `city`, optionally pre-dispatched by
/// Alibaba to `outlet`.
pub fn inbound(order_no: &str, account: &str, city: &str, outlet: Option<&str>) -> Value {
    json!({
        "order_no": order_no,
        "logistics_no": format!("WL{order_no}"),
        "ali_account": account,
        "shipper": {"name": "张三", "phone": "13800000000", "company": "张三服饰", "province": "", "city": city,
                    "district": "", "address": "工业园 1 号"},
        "consignee": {"name": "李四", "phone": "13900000000", "company": "", "province": "广东省", "city": "广州",
                      "district": "", "address": "中山路 2 号"},
        "cargo": {"name": "服装", "pieces": 3, "weight_g": 12000, "volume_cm3": 60000, "packaging": "纸箱"},
        "transport_mode": "standard",
        "pickup_required": true,
        "pickup_time": null,
        "declared_value": 150000,
        "cod_amount": 0,
        "payment": "sender",
        "remark": "",
        "snapshot": {"goods_title": "纯棉T恤", "price": 158000, "description": "1688 商品"},
        "trade_status": null,
        "current_outlet_code": outlet
    })
}

impl TestHub {
    /// Sends an inbound order as upstream.
    pub async fn inbound(&self, body: Value) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            "/api/v1/inbound/orders",
            Some(UPSTREAM),
            Some(body),
            &[],
        )
        .await
    }

    /// Sends an order action with an idempotency key.
    pub async fn act(&self, token: &str, order_no: &str, key: &str, body: Value) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            &format!("/api/v1/orders/{order_no}/actions"),
            Some(token),
            Some(body),
            &[("Idempotency-Key", key)],
        )
        .await
    }

    /// Pulls the whole change feed: (orders by number, removed numbers).
    pub async fn feed(
        &self,
        token: &str,
        cursor: Option<&str>,
    ) -> (Vec<Value>, Vec<String>, String) {
        let mut cursor = cursor.map(str::to_owned);
        let (mut orders, mut removed) = (Vec::new(), Vec::new());
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/orders/changes?limit=2&cursor={c}"),
                None => "/api/v1/orders/changes?limit=2".to_owned(),
            };
            let (s, v) = self.get(&path, token).await;
            assert_eq!(s, 200, "{v}");
            orders.extend(v["orders"].as_array().unwrap().iter().cloned());
            removed.extend(
                v["removed"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_owned()),
            );
            cursor = Some(v["cursor"].as_str().unwrap().to_owned());
            if !v["more"].as_bool().unwrap() {
                break;
            }
        }
        (orders, removed, cursor.unwrap())
    }
}

/// An outlet in a test network: HQ when it has no parent.
pub fn outlet(code: &str, parent: Option<&str>) -> outlet_desk::domain::Outlet {
    use outlet_desk::domain::{Outlet, OutletKind};
    Outlet {
        code: code.into(),
        name: format!("网点{code}"),
        ..Outlet::blank(
            if parent.is_none() {
                OutletKind::Hq
            } else {
                OutletKind::Outlet
            },
            parent,
        )
    }
}
