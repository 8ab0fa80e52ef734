//! Secrets at rest (RELIABILITY G6): owner-only files, tokens stored only
//! as digests, an embedded demo whose password is its own per data dir.
#![cfg(unix)]

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{ADMIN_PW, DEMO_PW, Engine, TestHub, UPSTREAM};
use outlet_desk::hub::{self, auth, demo};

on_both_engines!(hub_files_are_owner_only_and_hold_no_raw_token);

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

/// On SQLite, `hub.db` in a data dir the hub makes itself; on
/// PostgreSQL, the database the hub writes to.
async fn hub_files_are_owner_only_and_hold_no_raw_token(engine: Engine) {
    let fresh = |c: &mut hub::HubConfig| c.data_dir = c.data_dir.join("fresh");
    let Some(h) = TestHub::start_on(engine, true, fresh).await else {
        return;
    };
    let token = h.login("yz.clerk", DEMO_PW).await;
    let (tokens, meta) = if engine == Engine::Sqlite {
        let dir = h.dir.path().join("fresh");
        assert_eq!(mode(&dir), 0o700, "data dir");
        for f in ["hub.db", "hub.db-wal", "hub.db-shm"] {
            assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
        }
        let db = rusqlite::Connection::open(dir.join("hub.db")).expect("open");
        let texts = |sql: &str| -> Vec<String> {
            db.prepare(sql)
                .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                .expect(sql)
        };
        (
            texts("SELECT token FROM sessions"),
            texts("SELECT value FROM meta"),
        )
    } else {
        (
            h.stored_texts("SELECT token FROM sessions").await,
            h.stored_texts("SELECT value FROM meta").await,
        )
    };
    assert!(
        !tokens.contains(&token),
        "the raw bearer token is not stored"
    );
    assert!(tokens.contains(&auth::digest(&token)));
    assert!(
        !meta.iter().any(|v| v.contains(UPSTREAM)),
        "nor the upstream token"
    );
    // The digest still lets the right token in, and only it.
    let (s, _) = h.inbound(common::inbound("S-1", "a", "扬州", None)).await;
    assert_eq!(s, 201);
    let (s, _) = h
        .call(
            reqwest::Method::POST,
            "/api/v1/inbound/orders",
            Some("upstream-token-2"),
            Some(common::inbound("S-2", "a", "扬州", None)),
            &[],
        )
        .await;
    assert_eq!(s, 401);
    // `bearer` in any case is the same scheme.
    let (s, _) = h
        .call(
            reqwest::Method::GET,
            "/api/v1/outlets",
            None,
            None,
            &[("Authorization", &format!("BEARER {token}"))],
        )
        .await;
    assert_eq!(s, 200);
}

#[test]
fn the_client_cache_is_owner_only() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("client").join("cache.db");
    let (_store, problem) = outlet_desk::store::Store::open(&path).expect("open");
    assert!(problem.is_none());
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().expect("dir")), 0o700);
}

/// The embedded demo runs on SQLite in the client's data dir.
#[tokio::test]
async fn the_embedded_demo_password_is_random_per_data_dir_and_kept_private() {
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let (pa, new_a) = demo::local_demo_password(&a.path().join("hub")).expect("a");
    let (pb, _) = demo::local_demo_password(&b.path().join("hub")).expect("b");
    assert!(new_a);
    assert_ne!(pa, pb, "each data dir has its own");
    assert!(pa.len() >= 12);
    let (again, new) = demo::local_demo_password(&a.path().join("hub")).expect("a again");
    assert_eq!(
        (again.as_str(), new),
        (pa.as_str(), false),
        "kept across starts"
    );
    assert_eq!(mode(&a.path().join("hub").join("demo-password.txt")), 0o600);

    // A demo made with the old fixed password moves to the new one.
    let dir = tempfile::tempdir().expect("dir");
    let mut cfg = common::config(dir.path(), true);
    cfg.admin_password = Some("demo1234".into());
    cfg.demo_password = Some("demo1234".into());
    hub::start(cfg).await.expect("old demo").stop().await;
    let mut cfg = common::config(dir.path(), true);
    cfg.admin_password = Some(pa.clone());
    cfg.demo_password = Some(pa.clone());
    cfg.demo_reset_passwords = true;
    let running = hub::start(cfg).await.expect("restart");
    let h = reqwest::Client::new();
    let login = |who: &'static str, pw: String| {
        let (h, url) = (h.clone(), running.url());
        async move {
            h.post(format!("{url}/api/v1/session"))
                .json(&serde_json::json!({"login": who, "password": pw}))
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }
    };
    assert_eq!(login("admin", "demo1234".into()).await, 401);
    assert_eq!(login("admin", pa.clone()).await, 200);
    assert_eq!(login("yz.clerk", pa.clone()).await, 200);
    let _ = (ADMIN_PW, DEMO_PW);
    running.stop().await;
}
