//! 阿里巴巴成交比 (SPEC 6): the report and the orders behind its numbers.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;

use crate::api::ErrorBody;
use crate::api::report::{ConversionReport, ReportColumn, ReportOrders};
use crate::domain::report::{Period, china_day};
use crate::hub::HubState;
use crate::hub::error::ApiError;
use crate::hub::http::{AuthUser, ReqLang};
use crate::hub::storage::reports_read::{Drill, DrillPart};

/// The report's period and outlet.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    /// First day, YYYY-MM-DD, China time (default today).
    pub from: Option<String>,
    /// Last day, inclusive (default today); at most 366 days after `from`.
    pub to: Option<String>,
    /// The outlet whose children are the rows (default the user's own); in
    /// the user's subtree.
    pub outlet: Option<String>,
}

/// The drill-down's period, rows and page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReportOrdersQuery {
    /// As the report's.
    pub from: Option<String>,
    /// As the report's.
    pub to: Option<String>,
    /// The row's outlet (default the user's own).
    pub outlet: Option<String>,
    /// `subtree` (default: the row's outlet and everything below), `own`
    /// (the row "outlet itself": orders counted for exactly `outlet`), or
    /// `pool` (the HQ pool's row; HQ users only, `outlet` ignored).
    pub part: Option<String>,
    /// Which number: all (default), valid, billed, billed_for_others,
    /// billed_by_others, returned, pickup_failed, cancelled, open.
    pub column: Option<String>,
    /// 1..=1000, default 200; outside that: 400 `invalid_query`.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Rows to skip (default 0); negative: 400 `invalid_query`.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

fn period(from: Option<&str>, to: Option<&str>) -> Result<Period, ApiError> {
    Period::parse(from, to, china_day(Utc::now()))
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code()))
}

/// 阿里巴巴成交比 of the outlet's children over the period (SPEC 6): each
/// order counted once for its responsible outlet, the children summing
/// exactly to the total, every ratio from summed counts.
#[utoipa::path(get, path = "/api/v1/reports/ali_conversion", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, body = ConversionReport),
        (status = 400, body = ErrorBody, description = "invalid_query: a query that does not parse"),
        (status = 403, body = ErrorBody, description = "the outlet is outside the user's subtree"),
        (status = 404, body = ErrorBody, description = "unknown_outlet"),
        (status = 422, body = ErrorBody, description = "invalid_date, period_reversed or period_too_long (over 366 days)")))]
pub async fn ali_conversion(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    ReqLang(lang): ReqLang,
    Query(q): Query<ReportQuery>,
) -> Result<Json<ConversionReport>, ApiError> {
    let p = period(q.from.as_deref(), q.to.as_deref())?;
    let r = state
        .conversion_report(user.staff, q.outlet, p, lang)
        .await?;
    Ok(Json(r))
}

/// The orders behind one number of the report, oldest first (SPEC 6's
/// drill-down).
#[utoipa::path(get, path = "/api/v1/reports/ali_conversion/orders", security(("bearer" = [])), params(ReportOrdersQuery),
    responses((status = 200, body = ReportOrders),
        (status = 400, body = ErrorBody, description = "invalid_query: limit outside 1..1000, a negative offset, or a query that does not parse"),
        (status = 403, body = ErrorBody, description = "the outlet is outside the user's subtree, or the pool asked for by a user outside HQ"),
        (status = 404, body = ErrorBody, description = "unknown_outlet"),
        (status = 422, body = ErrorBody, description = "invalid_date, period_reversed, period_too_long, invalid_part or invalid_column")))]
pub async fn ali_conversion_orders(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Query(q): Query<ReportOrdersQuery>,
) -> Result<Json<ReportOrders>, ApiError> {
    let p = period(q.from.as_deref(), q.to.as_deref())?;
    let col = match q.column.as_deref().filter(|s| !s.is_empty()) {
        None => ReportColumn::All,
        Some(s) => ReportColumn::parse(s)
            .ok_or_else(|| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_column"))?,
    };
    let part = match q.part.as_deref().unwrap_or_default() {
        "" | "subtree" => DrillPart::Subtree,
        "own" => DrillPart::Own,
        "pool" => DrillPart::Pool,
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_part",
            ));
        }
    };
    // Refused, not clamped: the page asked for is the page answered.
    let limit = match q.limit.unwrap_or(200) {
        l @ 1..=1000 => l,
        _ => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query")
                .detail("limit must be 1..1000"));
        }
    };
    let offset = match q.offset.unwrap_or(0) {
        o @ 0.. => o,
        _ => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query")
                .detail("offset must be 0 or more"));
        }
    };
    let drill = Drill {
        outlet: q.outlet,
        part,
        column: col,
        period: p,
        limit,
        offset,
    };
    let (total, orders) = state.conversion_orders(user.staff, drill).await?;
    Ok(Json(ReportOrders { total, orders }))
}
