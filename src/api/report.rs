//! Wire types of `GET /api/v1/reports/ali_conversion` (SPEC 6).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::Status;

/// One row of the report: an outlet's subtree (or the HQ pool) over the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// Null for the HQ pool's row. The chosen outlet's own code among the
    /// children is the orders it holds itself (not its sub-outlets').
    pub outlet_code: Option<String>,
    pub name: String,
    /// Orders, excluding customer cancels before acceptance and `duplicate` returns.
    pub valid: i64,
    pub billed: i64,
    /// billed ÷ valid (0..1), null when valid is 0.
    pub ratio: Option<f64>,
    /// Billed here for an order another outlet accepted or held (代开).
    pub billed_for_others: i64,
    /// Accepted or held here, billed by another outlet (被代开; counted there).
    pub billed_by_others: i64,
    /// Returned to the HQ pool by this outlet and still there.
    pub returned: i64,
    pub pickup_failed: i64,
    pub cancelled: i64,
    /// 在途: pending or accepted here, not billed.
    pub open: i64,
    /// The Ali discounts of the billed orders' waybills, in fen.
    pub ali_discount_fen: i64,
}

impl ReportRow {
    /// Sets the ratio from the counts.
    pub fn finish(mut self) -> ReportRow {
        self.ratio = crate::domain::report::ratio(self.billed, self.valid);
        self
    }
}

impl crate::domain::report::Counts for ReportRow {
    /// The ratio is recomputed by [`ReportRow::finish`].
    fn add(&mut self, o: &ReportRow) {
        self.valid += o.valid;
        self.billed += o.billed;
        self.billed_for_others += o.billed_for_others;
        self.billed_by_others += o.billed_by_others;
        self.returned += o.returned;
        self.pickup_failed += o.pickup_failed;
        self.cancelled += o.cancelled;
        self.open += o.open;
        self.ali_discount_fen += o.ali_discount_fen;
    }

    fn sub(&mut self, o: &ReportRow) {
        self.valid -= o.valid;
        self.billed -= o.billed;
        self.billed_for_others -= o.billed_for_others;
        self.billed_by_others -= o.billed_by_others;
        self.returned -= o.returned;
        self.pickup_failed -= o.pickup_failed;
        self.cancelled -= o.cancelled;
        self.open -= o.open;
        self.ali_discount_fen -= o.ali_discount_fen;
    }

    fn is_empty(&self) -> bool {
        [
            self.valid,
            self.billed,
            self.billed_for_others,
            self.billed_by_others,
            self.returned,
            self.pickup_failed,
            self.cancelled,
            self.open,
            self.ali_discount_fen,
        ]
        .iter()
        .all(|n| *n == 0)
    }
}

/// One day of the trend line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportDay {
    pub date: NaiveDate,
    pub valid: i64,
    pub billed: i64,
}

/// `GET /api/v1/reports/ali_conversion` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConversionReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub outlet_code: String,
    pub as_of: DateTime<Utc>,
    /// The chosen outlet's whole subtree; equal to the sum of `children`.
    pub total: ReportRow,
    /// Its child outlets, its own orders (if any) and, for HQ, the pool.
    pub children: Vec<ReportRow>,
    /// Every day of the period, oldest first.
    pub days: Vec<ReportDay>,
    /// Extension: `report.conversion_target_percent`, below which a ratio shows red.
    pub target_percent: i64,
}

/// Which orders of a report number the drill-down lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportColumn {
    /// Every order the report counts (valid or not).
    All,
    Valid,
    Billed,
    BilledForOthers,
    BilledByOthers,
    Returned,
    PickupFailed,
    Cancelled,
    Open,
}

impl ReportColumn {
    pub const ALL: [ReportColumn; 9] = [
        ReportColumn::All,
        ReportColumn::Valid,
        ReportColumn::Billed,
        ReportColumn::BilledForOthers,
        ReportColumn::BilledByOthers,
        ReportColumn::Returned,
        ReportColumn::PickupFailed,
        ReportColumn::Cancelled,
        ReportColumn::Open,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportColumn::All => "all",
            ReportColumn::Valid => "valid",
            ReportColumn::Billed => "billed",
            ReportColumn::BilledForOthers => "billed_for_others",
            ReportColumn::BilledByOthers => "billed_by_others",
            ReportColumn::Returned => "returned",
            ReportColumn::PickupFailed => "pickup_failed",
            ReportColumn::Cancelled => "cancelled",
            ReportColumn::Open => "open",
        }
    }

    pub fn parse(s: &str) -> Option<ReportColumn> {
        ReportColumn::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One order behind a report number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportOrder {
    pub order_no: String,
    pub created_at: DateTime<Utc>,
    pub status: Status,
    /// The outlet it counts for (null: the HQ pool).
    pub responsible_outlet_code: Option<String>,
    pub current_outlet_code: Option<String>,
    pub accepting_outlet_code: Option<String>,
    pub billing_outlet_code: Option<String>,
    pub waybill_no: Option<String>,
    /// The last return, pickup-failure or close reason.
    pub reason_code: Option<String>,
    pub ali_discount_fen: i64,
}

/// `GET /api/v1/reports/ali_conversion/orders` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportOrders {
    pub total: i64,
    pub orders: Vec<ReportOrder>,
}
