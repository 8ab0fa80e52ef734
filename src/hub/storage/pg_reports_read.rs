//! The 阿里巴巴成交比 counters read on PostgreSQL (issue 15), inside the
//! caller's snapshot ([`super::reports_read`] decides what is asked).

use std::collections::HashMap;

use chrono::NaiveDate;
use tokio_postgres::types::ToSql;

use super::reports_read::{Drill, TARGET_KEY, report_order};
use crate::api::report::{ReportColumn, ReportDay, ReportOrder, ReportRow};
use crate::domain::report::Period;
use crate::hub::error::ApiError;
use crate::hub::report::Rows;

type Tx<'a> = deadpool_postgres::Transaction<'a>;

/// The counts under each of `keys` over `p` (keys without a count are
/// left out: zero everywhere).
pub(crate) async fn sums(
    tx: &Tx<'_>,
    keys: &[String],
    p: &Period,
) -> Result<HashMap<String, ReportRow>, ApiError> {
    let rows = tx
        .query(
            "SELECT anc, sum(valid)::bigint, sum(billed)::bigint, sum(for_others)::bigint,
                    sum(by_others)::bigint, sum(returned)::bigint, sum(pickup_failed)::bigint,
                    sum(cancelled)::bigint, sum(open)::bigint, sum(discount_fen)::bigint
             FROM report_day WHERE anc = ANY($1) AND day BETWEEN $2 AND $3 GROUP BY anc",
            &[&keys, &p.from, &p.to],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let row = ReportRow {
                valid: r.get(1),
                billed: r.get(2),
                billed_for_others: r.get(3),
                billed_by_others: r.get(4),
                returned: r.get(5),
                pickup_failed: r.get(6),
                cancelled: r.get(7),
                open: r.get(8),
                ali_discount_fen: r.get(9),
                ..ReportRow::default()
            };
            (r.get(0), row)
        })
        .collect())
}

/// Valid and billed under `anc` for every day of `p`.
pub(crate) async fn days(tx: &Tx<'_>, anc: &str, p: &Period) -> Result<Vec<ReportDay>, ApiError> {
    let stored: HashMap<NaiveDate, (i64, i64)> = tx
        .query(
            "SELECT day, valid, billed FROM report_day WHERE anc = $1 AND day BETWEEN $2 AND $3",
            &[&anc, &p.from, &p.to],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    Ok(p.days()
        .map(|date| {
            let (valid, billed) = stored.get(&date).copied().unwrap_or_default();
            ReportDay {
                date,
                valid,
                billed,
            }
        })
        .collect())
}

/// The stored conversion target (60 when unset).
pub(crate) async fn target_percent(tx: &Tx<'_>) -> Result<i64, ApiError> {
    let stored: Option<String> = tx
        .query_opt(
            "SELECT value::text FROM parameters WHERE key = $1",
            &[&TARGET_KEY],
        )
        .await?
        .map(|r| r.get(0));
    Ok(super::reports_read::target_percent(stored.as_deref()))
}

/// Which entries count for a column.
fn column_sql(col: ReportColumn) -> &'static str {
    match col {
        ReportColumn::All => "true",
        ReportColumn::Valid => "e.valid",
        ReportColumn::Billed => "e.billed",
        ReportColumn::BilledForOthers | ReportColumn::BilledByOthers => "e.billed_for <> ''",
        ReportColumn::Returned => "e.returned",
        ReportColumn::PickupFailed => "e.pickup_failed",
        ReportColumn::Cancelled => "e.cancelled",
        ReportColumn::Open => "e.open",
    }
}

/// The orders behind one number, oldest first, and how many there are
/// (as [`crate::hub::report::orders`] on SQLite).
pub(crate) async fn orders(
    tx: &Tx<'_>,
    part: Rows<'_>,
    d: &Drill,
) -> Result<(i64, Vec<ReportOrder>), ApiError> {
    // 被代开 is counted for the outlet the order was billed for.
    let who = if d.column == ReportColumn::BilledByOthers {
        "e.billed_for"
    } else {
        "e.resp"
    };
    let (place, code) = match part {
        Rows::Subtree(code) => (
            format!("{who} IN (SELECT code FROM outlet_closure WHERE anc = $3)"),
            Some(code),
        ),
        Rows::Own(code) => (format!("{who} = $3"), Some(code)),
        Rows::Pool => (
            format!(
                "({who} IN (SELECT code FROM outlet_closure WHERE anc = '')
                  OR {who} NOT IN (SELECT code FROM outlet_closure))"
            ),
            None,
        ),
        Rows::All => ("true".to_owned(), None),
    };
    let filter = format!(
        "FROM report_entry e WHERE {place} AND e.day BETWEEN $1 AND $2 AND {}",
        column_sql(d.column)
    );
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&d.period.from, &d.period.to];
    if let Some(code) = &code {
        params.push(code);
    }
    let total: i64 = tx
        .query_one(&format!("SELECT count(*) {filter}"), &params)
        .await?
        .get(0);
    let n = params.len();
    params.push(&d.limit);
    params.push(&d.offset);
    let rows = tx
        .query(
            &format!(
                "SELECT o.body::text, e.resp, e.discount_fen FROM (
                   SELECT e.order_no, e.resp, e.discount_fen, e.day {filter}
                   ORDER BY e.day, e.order_no COLLATE \"C\" LIMIT ${} OFFSET ${}) e
                 JOIN orders o ON o.order_no = e.order_no
                 ORDER BY e.day, o.created_at, e.order_no COLLATE \"C\"",
                n + 1,
                n + 2
            ),
            &params,
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let o = serde_json::from_str(r.get(0)).map_err(ApiError::internal)?;
        out.push(report_order(o, r.get(1), r.get(2)));
    }
    Ok((total, out))
}
