//! `order-hub migrate` (issue 15) against a real PostgreSQL: the demo
//! database copied to PostgreSQL and back with every table's count and
//! checksum equal, served again by a hub; a target holding data refused.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::common::{self, TestHub, pg::PgCluster};

/// Per table: (rows from, rows to, checksum from, checksum to).
type Copied = BTreeMap<String, (u64, u64, String, String)>;

/// Runs `order-hub migrate`; its report on success, else its stderr.
fn migrate(from: &str, to: &str, extra: &[&str]) -> Result<Copied, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_order-hub"))
        .args(["migrate", "--from", from, "--to", to])
        .args(extra)
        .output()
        .expect("run order-hub");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut copied = Copied::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let [table, from, to, ck_from, ck_to] = f[..] {
            let n = |s: &str| s.parse::<u64>().expect("row count");
            copied.insert(
                table.to_owned(),
                (n(from), n(to), ck_from.to_owned(), ck_to.to_owned()),
            );
        }
    }
    assert!(
        text.contains("every count and checksum agrees"),
        "report: {text}"
    );
    Ok(copied)
}

fn sqlite(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

/// The demo hub's database after a day's work: orders in and in the
/// pool, one accepted (an idempotency key, events), one billed (a
/// waybill, the report), and a clerk's session to carry over.
async fn demo_database() -> (tempfile::TempDir, String) {
    let hub = TestHub::start(true).await;
    for (no, outlet) in [
        ("pgm-1", Some("JS-YZ-01")),
        ("pgm-2", Some("JS-YZ-01")),
        ("pgm-3", Some("JS-YZ-01")),
        ("pgm-4", None),
    ] {
        let (s, v) = hub
            .inbound(common::inbound(no, "acct-pg", "扬州", outlet))
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let token = hub.login("yz.clerk", common::DEMO_PW).await;
    let accept = json!({"action": "accept", "weight_g": 600000, "volume_cm3": 60000, "pickup_required": false});
    let (s, v) = hub.act(&token, "pgm-1", "pgm-key-1", accept.clone()).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = hub.act(&token, "pgm-2", "pgm-key-2", accept).await;
    assert_eq!(s, 200, "{v}");
    let waybill = json!({
        "waybill_no": "87654321", "product_code": "JZKH",
        "dest_province": "广东省", "dest_city": "广州", "dest_district": "天河区",
        "consignee": {"name": "李四", "phone": "13900000000", "address": "中山路 2 号"},
        "cargo": {"name": "服装", "pieces": 3, "weight_g": 600000, "volume_cm3": 60000, "packaging": "纸箱"},
        "declared_value_fen": 150000, "cod_amount_fen": 0, "cod_refund": "three_day",
        "payment": "sender", "pickup_required": true, "pickup_distance_m": 10000,
        "single_pickup_address": true, "delivery": "door"
    });
    let (s, v) = hub
        .act(
            &token,
            "pgm-2",
            "pgm-key-3",
            json!({"action": "import_waybill", "waybill": waybill}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let TestHub { hub, dir, .. } = hub;
    hub.stop().await;
    (dir, token)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_database_round_trips_through_postgresql_and_is_served_again() {
    let Some(cluster) = PgCluster::or_skip() else {
        return;
    };
    let (dir, token) = demo_database().await;
    let source = dir.path().join("hub.db");
    let pg = cluster.database("round_trip").await;

    let to_pg = migrate(&sqlite(&source), &pg, &["--with-sessions"]).expect("to PostgreSQL");
    for (table, (from, to, ck_from, ck_to)) in &to_pg {
        assert_eq!((from, ck_from), (to, ck_to), "{table}");
    }
    for table in [
        "outlets",
        "staff",
        "sessions",
        "orders",
        "order_events",
        "order_feed",
        "idempotency",
        "waybills",
        "report_day",
    ] {
        assert!(to_pg[table].0 > 0, "the demo holds {table}: {to_pg:?}");
    }

    let back_dir = tempfile::tempdir().expect("temp dir");
    let back = back_dir.path().join("hub.db");
    let to_sqlite = migrate(&pg, &sqlite(&back), &["--with-sessions"]).expect("back to SQLite");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&back).expect("copy").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the copy holds password hashes");
    }
    // Every table the first copy carried comes back with the same rows.
    for (table, first) in &to_pg {
        assert_eq!(to_sqlite.get(table), Some(first), "{table}");
    }

    // The round-tripped database is a working hub: the session made
    // before the copies still lists the same orders.
    let hub = outlet_desk::hub::start(common::config(back_dir.path(), false))
        .await
        .expect("hub on the copy");
    let http = reqwest::Client::new();
    let list = |url: String| {
        let http = http.clone();
        let token = token.clone();
        async move {
            let r = http.get(url).bearer_auth(token).send().await.expect("send");
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.expect("json")
        }
    };
    let copy = list(format!("{}/api/v1/orders?status=accepted", hub.url())).await;
    assert!(copy["total"].as_i64().unwrap_or(0) > 0, "{copy}");
    hub.stop().await;
    let original = outlet_desk::hub::start(common::config(dir.path(), false))
        .await
        .expect("hub on the original");
    let first = list(format!("{}/api/v1/orders?status=accepted", original.url())).await;
    original.stop().await;
    assert_eq!(copy["total"], first["total"]);
    let numbers = |v: &serde_json::Value| -> Vec<String> {
        v["orders"]
            .as_array()
            .map(|a| a.iter().map(|o| o["order_no"].to_string()).collect())
            .unwrap_or_default()
    };
    assert_eq!(numbers(&copy), numbers(&first));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_that_holds_data_is_refused_and_left_as_it_was() {
    let Some(cluster) = PgCluster::or_skip() else {
        return;
    };
    let (dir, _) = demo_database().await;
    let source = dir.path().join("hub.db");
    let pg = cluster.database("filled").await;
    let first = migrate(&sqlite(&source), &pg, &[]).expect("first copy");

    // Into PostgreSQL again: refused, naming why.
    let err = migrate(&sqlite(&source), &pg, &[]).expect_err("second copy refused");
    assert!(err.contains("not empty"), "{err}");
    // Into a hub.db that holds data: refused too.
    let other = tempfile::tempdir().expect("temp dir");
    let hub = outlet_desk::hub::start(common::config(other.path(), true))
        .await
        .expect("another demo hub");
    hub.stop().await;
    let err = migrate(&pg, &sqlite(&other.path().join("hub.db")), &[])
        .expect_err("copy into a used hub.db refused");
    assert!(err.contains("not empty"), "{err}");

    // The refused PostgreSQL target still holds exactly the first copy.
    let check_dir = tempfile::tempdir().expect("temp dir");
    let again = migrate(&pg, &sqlite(&check_dir.path().join("hub.db")), &[]).expect("read back");
    for (table, copied) in &first {
        assert_eq!(again.get(table), Some(copied), "{table}");
    }
}
