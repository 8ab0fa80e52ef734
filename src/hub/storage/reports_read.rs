//! 阿里巴巴成交比 reads behind the storage interface (issue 15): the
//! report and its drill-down. Which outlet and rows a user may ask for,
//! and how the counters become rows, are decided here once; each engine
//! only reads the counters ([`crate::hub::report`] on SQLite,
//! [`super::pg_reports_read`] on PostgreSQL).

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::StatusCode;
use chrono::Utc;

use super::Storage;
use crate::api::report::{ConversionReport, ReportColumn, ReportDay, ReportOrder, ReportRow};
use crate::domain::report::{Part, Period, breakdown};
use crate::domain::{Order, Outlet, OutletKind, OutletTree, Staff};
use crate::hub::HubState;
use crate::hub::db;
use crate::hub::error::ApiError;
use crate::hub::report::{self, Rows};
use crate::i18n::Lang;

/// The drill-down's part of a report row, as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrillPart {
    /// The row's outlet and everything below it.
    Subtree,
    /// The row "outlet itself": orders counted for exactly that outlet.
    Own,
    /// The HQ pool's row (HQ users only).
    Pool,
}

/// What a drill-down asks for.
#[derive(Debug, Clone)]
pub struct Drill {
    pub outlet: Option<String>,
    pub part: DrillPart,
    pub column: ReportColumn,
    pub period: Period,
    pub limit: i64,
    pub offset: i64,
}

/// The outlet asked for: known (404) and inside the user's subtree (403).
fn chosen<'t>(
    tree: &'t OutletTree,
    user: &Staff,
    outlet: Option<&str>,
) -> Result<&'t Outlet, ApiError> {
    let code = outlet
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(&user.outlet_code);
    let o = tree
        .get(code)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "unknown_outlet").arg("code", code))?;
    let hq_user = crate::domain::visibility::is_hq_user(&user.outlet_code, tree);
    if !hq_user && !tree.is_within(code, &user.outlet_code) {
        return Err(ApiError::forbidden());
    }
    Ok(o)
}

/// The counters' keys a report on `o` reads: its own, each child's, and
/// for HQ the pool's.
fn report_keys(tree: &OutletTree, o: &Outlet) -> Vec<String> {
    let mut keys = vec![o.code.clone()];
    keys.extend(tree.children(&o.code).map(str::to_owned));
    if o.kind == OutletKind::Hq {
        keys.push(report::POOL_KEY.to_owned());
    }
    keys
}

/// The parameter below which a ratio shows red.
pub(crate) const TARGET_KEY: &str = "report.conversion_target_percent";

/// [`TARGET_KEY`]'s value from its stored text (60 when unset).
pub(crate) fn target_percent(stored: Option<&str>) -> i64 {
    stored.and_then(|v| v.parse().ok()).unwrap_or(60)
}

/// The report on `o` from its counters (`sums` by key, every key of
/// [`report_keys`]): each order counted once for its responsible outlet,
/// the children summing exactly to the total, every ratio from summed
/// counts.
fn build_report(
    tree: &OutletTree,
    o: &Outlet,
    p: &Period,
    lang: Lang,
    sums: &HashMap<String, ReportRow>,
    days: Vec<ReportDay>,
    target_percent: i64,
) -> ConversionReport {
    let row = |code: &str, key: &str, name: String| ReportRow {
        outlet_code: Some(code.to_owned()).filter(|c| !c.is_empty()),
        name,
        ..sums.get(key).cloned().unwrap_or_default()
    };
    let total = row(&o.code, &o.code, o.name.clone());
    let children = tree
        .children(&o.code)
        .map(|child| {
            let name = tree.get(child).map(|c| c.name.clone()).unwrap_or_default();
            (child.to_owned(), row(child, child, name))
        })
        .collect();
    let pool = (o.kind == OutletKind::Hq)
        .then(|| row("", report::POOL_KEY, crate::i18n::t(lang, "report.pool")));
    let children = breakdown(&total, children, pool)
        .into_iter()
        .map(|(part, r)| match part {
            Part::Own => ReportRow {
                outlet_code: Some(o.code.clone()),
                name: crate::i18n::tf(lang, "report.own", &[("name", &o.name)]),
                ..r
            },
            Part::Child(_) | Part::Pool => r,
        })
        .map(ReportRow::finish)
        .collect();
    ConversionReport {
        from: p.from,
        to: p.to,
        outlet_code: o.code.clone(),
        as_of: Utc::now(),
        days,
        total: total.finish(),
        children,
        target_percent,
    }
}

/// Which orders a drill-down lists, for `user` in `tree`.
fn drill_rows<'t>(tree: &'t OutletTree, user: &Staff, d: &Drill) -> Result<Rows<'t>, ApiError> {
    if d.part == DrillPart::Pool {
        if !crate::domain::visibility::is_hq_user(&user.outlet_code, tree) {
            return Err(ApiError::forbidden());
        }
        return Ok(Rows::Pool);
    }
    let o = chosen(tree, user, d.outlet.as_deref())?;
    Ok(match (d.part, o.kind) {
        (DrillPart::Own, _) => Rows::Own(&o.code),
        // HQ's subtree also holds orders at codes that are no outlet.
        (_, OutletKind::Hq) => Rows::All,
        _ => Rows::Subtree(&o.code),
    })
}

/// A drill-down line: the order, the outlet it counts for and its
/// discount.
pub(crate) fn report_order(o: Order, resp: String, discount_fen: i64) -> ReportOrder {
    ReportOrder {
        order_no: o.order_no,
        created_at: o.created_at,
        status: o.status,
        responsible_outlet_code: Some(resp).filter(|r| !r.is_empty()),
        current_outlet_code: o.current_outlet_code,
        accepting_outlet_code: o.accepting_outlet_code,
        billing_outlet_code: o.billing_outlet_code,
        waybill_no: o.waybill_no,
        reason_code: o.last_reason_code,
        ali_discount_fen: discount_fen,
    }
}

impl HubState {
    /// 阿里巴巴成交比 of `outlet`'s children (the user's own outlet when
    /// `None`) over `p`, read in one snapshot.
    pub async fn conversion_report(
        self: &Arc<Self>,
        user: Staff,
        outlet: Option<String>,
        p: Period,
        lang: Lang,
    ) -> Result<ConversionReport, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                let st = self.clone();
                self.read(move |c| {
                    let tree = st.tree(c)?;
                    let o = chosen(&tree, &user, outlet.as_deref())?;
                    let mut sums = HashMap::new();
                    for key in report_keys(&tree, o) {
                        let s = report::sums(c, &key, &p)?;
                        sums.insert(key, s);
                    }
                    let days = report::days(c, &o.code, &p)?;
                    let params = db::parameters(c)?;
                    let stored = params.iter().find(|p| p.0 == TARGET_KEY);
                    let target = target_percent(stored.map(|p| p.1.as_str()));
                    Ok(build_report(&tree, o, &p, lang, &sums, days, target))
                })
                .await
            }
            Storage::Postgres(pg) => {
                let mut c = pg.conn().await?;
                let tx = super::pg_orders_read::snapshot(&mut c).await?;
                let tree = self.pg_tree(&*tx).await?;
                let o = chosen(&tree, &user, outlet.as_deref())?;
                let sums = super::pg_reports_read::sums(&tx, &report_keys(&tree, o), &p).await?;
                let days = super::pg_reports_read::days(&tx, &o.code, &p).await?;
                let target = super::pg_reports_read::target_percent(&tx).await?;
                tx.commit().await?;
                Ok(build_report(&tree, o, &p, lang, &sums, days, target))
            }
        }
    }

    /// The orders behind one number of the report, oldest first, and how
    /// many there are (SPEC 6's drill-down).
    pub async fn conversion_orders(
        self: &Arc<Self>,
        user: Staff,
        d: Drill,
    ) -> Result<(i64, Vec<ReportOrder>), ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                let st = self.clone();
                self.read(move |c| {
                    let tree = st.tree(c)?;
                    let which = drill_rows(&tree, &user, &d)?;
                    Ok(report::orders(
                        c, which, d.column, &d.period, d.limit, d.offset,
                    )?)
                })
                .await
            }
            Storage::Postgres(pg) => {
                let mut c = pg.conn().await?;
                let tx = super::pg_orders_read::snapshot(&mut c).await?;
                let tree = self.pg_tree(&*tx).await?;
                let which = drill_rows(&tree, &user, &d)?;
                let out = super::pg_reports_read::orders(&tx, which, &d).await?;
                tx.commit().await?;
                Ok(out)
            }
        }
    }
}
