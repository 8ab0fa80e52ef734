//! The PostgreSQL change number (issue 15, `hub::pg::changes`): with many
//! writers committing at once, a reader following `seq > cursor` meets
//! every change exactly once, in order, never a gap it would step over.

use std::time::Duration;

use outlet_desk::hub::pg;

use crate::common::pg::PgCluster;

const WRITERS: usize = 8;
const EACH: usize = 30;

/// One write transaction: `orders` new orders written, some work, then
/// the stamp (with their change-log rows) as the last statement.
async fn write(c: &mut tokio_postgres::Client, orders: &[String], work: Duration) -> i64 {
    let tx = c.transaction().await.expect("begin");
    for no in orders {
        tx.execute(
            "INSERT INTO orders(order_no, status, created_at, body) VALUES ($1, 'pending', now(), '{}')",
            &[no],
        )
        .await
        .expect("order");
    }
    // The transaction stays open a while, so commits overlap and finish
    // in another order than they began.
    tokio::time::sleep(work).await;
    let logged: Vec<(String, String)> = orders.iter().map(|o| (String::new(), o.clone())).collect();
    let last = pg::changes::stamp(&tx, orders, &logged)
        .await
        .expect("stamp");
    tx.commit().await.expect("commit");
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_changes_reach_a_reader_in_order_with_none_skipped() {
    let Some(cluster) = PgCluster::or_skip() else {
        return;
    };
    let url = cluster.database("changes").await;
    let mut c = pg::connect(&url).await.expect("connect");
    pg::schema::migrate(&mut c).await.expect("migrate");
    let lock_timeout: String = c
        .query_one("SHOW lock_timeout", &[])
        .await
        .expect("show")
        .get(0);
    assert_eq!(lock_timeout, "5s");

    let mut writers = Vec::new();
    let mut total = 0;
    for w in 0..WRITERS {
        // Every third transaction writes two orders.
        let batches: Vec<Vec<String>> = (0..EACH)
            .map(|i| {
                let n = if i % 3 == 0 { 2 } else { 1 };
                (0..n).map(|k| format!("w{w}-{i}-{k}")).collect()
            })
            .collect();
        total += batches.iter().map(Vec::len).sum::<usize>();
        let url = url.clone();
        writers.push(tokio::spawn(async move {
            let mut c = pg::connect(&url).await.expect("connect");
            for (i, orders) in batches.iter().enumerate() {
                let work = Duration::from_millis(((w * 7 + i * 13) % 5) as u64);
                write(&mut c, orders, work).await;
            }
        }));
    }

    // The reader pulls while they write, as a client's feed does.
    let mut cursor = 0_i64;
    let mut seen = std::collections::HashSet::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while seen.len() < total {
        assert!(
            std::time::Instant::now() < deadline,
            "reader stuck at {cursor}"
        );
        let rows = c
            .query(
                "SELECT f.seq, f.order_no, o.seq FROM order_feed f JOIN orders o ON o.order_no = f.order_no
                 WHERE f.anc = '' AND f.seq > $1 ORDER BY f.seq LIMIT 7",
                &[&cursor],
            )
            .await
            .expect("feed page");
        for r in &rows {
            let (seq, no, order_seq): (i64, String, i64) = (r.get(0), r.get(1), r.get(2));
            // No aborted writers here, so the numbers are 1, 2, 3, …: a
            // jump is a change this reader stepped over.
            assert_eq!(seq, cursor + 1, "after {cursor} came {seq} ({no})");
            assert_eq!(seq, order_seq, "{no}: the order and its log row differ");
            assert!(seen.insert(no.clone()), "{no} seen twice");
            cursor = seq;
        }
        if rows.is_empty() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    for w in writers {
        w.await.expect("writer");
    }
    assert_eq!(cursor, total as i64);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_written_without_its_change_number_cannot_commit() {
    let Some(cluster) = PgCluster::or_skip() else {
        return;
    };
    let url = cluster.database("unstamped").await;
    let mut c = pg::connect(&url).await.expect("connect");
    pg::schema::migrate(&mut c).await.expect("migrate");
    let tx = c.transaction().await.expect("begin");
    tx.execute(
        "INSERT INTO orders(order_no, status, created_at, body) VALUES ('lost-1', 'pending', now(), '{}')",
        &[],
    )
    .await
    .expect("order");
    let err = tx.commit().await.expect_err("commit refused");
    let text = err
        .as_db_error()
        .map(|e| e.message().to_owned())
        .unwrap_or_default();
    assert!(text.contains("without a change number"), "{err:?}");
    let n: i64 = c
        .query_one("SELECT count(*) FROM orders", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 0);
}
