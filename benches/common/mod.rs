//! What the in-process benches share: how many orders to load, the
//! runtime, and a demo order-hub with known passwords.
#![allow(dead_code)]

use outlet_desk::hub::{self, HubConfig, RunningHub};

/// The administrator's password on the bench hub.
pub const ADMIN_PW: &str = "bench-admin-1";
/// Every demo account's password on the bench hub.
pub const DEMO_PW: &str = "bench-demo-1";
/// The upstream (Alibaba side) token on the bench hub.
pub const UPSTREAM: &str = "bench-upstream";

/// `BENCH_ORDERS`, else 100,000.
pub fn orders_wanted() -> usize {
    std::env::var("BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// Two workers: the machine the figures are for is a two-core PC.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A demo order-hub (no demo orders arriving) on a free port, its data
/// in `dir`/hub.
pub async fn demo_hub(dir: &std::path::Path) -> RunningHub {
    let mut cfg = HubConfig::new(([127, 0, 0, 1], 0).into(), dir.join("hub"));
    cfg.demo = true;
    cfg.demo_rate = 0;
    cfg.admin_password = Some(ADMIN_PW.into());
    cfg.demo_password = Some(DEMO_PW.into());
    cfg.upstream_token = Some(UPSTREAM.into());
    // The benches time the write path itself, one user at full speed: a
    // clerk's write limit (10/s) would measure the limiter instead.
    cfg.limits.writes_per_second = 1e6;
    cfg.limits.write_burst = 1e6;
    hub::start(cfg).await.expect("hub starts")
}
