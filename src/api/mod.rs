//! Wire types of API.md, shared by order-hub and the client.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub mod feed;
pub mod print;
pub mod report;

pub use crate::domain::outlet::Attached;
pub use crate::domain::params::{ParamType, Reason};
pub use crate::domain::{FieldError, Order, Outlet, OutletKind, Role, Staff, Status};

/// `POST /api/v1/session` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

/// The logged-in user as the session reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionUser {
    pub login: String,
    pub name: String,
    pub outlet_code: String,
    pub role: Role,
}

/// `POST /api/v1/session` answer.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionResponse {
    /// Bearer token for every other route.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: SessionUser,
}

/// `GET /api/v1/outlets` answer.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutletList {
    /// Grows on every outlet write; clients compare it to skip work.
    pub revision: i64,
    /// The whole network, or with `?since=` only what changed after it.
    pub outlets: Vec<Outlet>,
    /// With `?since=`: codes deleted after it.
    #[serde(default)]
    pub removed: Vec<String>,
    /// `outlets` is the whole network (always without `since`; with it,
    /// when that revision is too old to answer incrementally).
    #[serde(default = "whole")]
    pub full: bool,
}

fn whole() -> bool {
    true
}

/// `POST`/`PUT` staff body: the record plus an optional new password.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaffWrite {
    #[serde(flatten)]
    pub staff: Staff,
    /// Set on create and on password reset; never returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// One server parameter as `GET /api/v1/parameters` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Parameter {
    pub key: String,
    pub category: String,
    pub value: Value,
    #[serde(rename = "type")]
    pub ty: ParamType,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// In the request's language.
    pub description: String,
    /// Extension: the shipped default, for 恢复默认.
    #[serde(default)]
    pub default: Value,
    /// Extension: the allowed words of a `choice` parameter.
    #[serde(default)]
    pub choices: Vec<String>,
    /// Extension: who last changed it (null = never changed).
    #[serde(default)]
    pub updated_by: Option<String>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// `PUT /api/v1/parameters/{key}` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ParameterUpdate {
    pub value: Value,
}

/// Every error answer: `{"error": {...}}`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The error itself. Only `code` and `message` are always present.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `outlet_in_use`.
    pub code: String,
    /// Human-readable, in the request's Accept-Language (zh-CN default).
    pub message: String,
    /// Which form fields broke which rule (422).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// What is still attached to an outlet (409 `outlet_in_use`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached: Option<Attached>,
    /// The server's current record (412), so the user can redo the edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Value>,
    /// The current order (409 `state_conflict`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Value>,
    /// Every bad cell of a rate-card import (422 `invalid_rate_card`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowError>,
}

/// One bad cell of an imported sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowError {
    /// Spreadsheet row number; the header is row 1.
    pub row: usize,
    /// Column name as in the header, e.g. `min_charge_fen`.
    pub column: String,
    /// In the request's language.
    pub message: String,
}

/// `GET /healthz` answer.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Health {
    pub status: String,
    pub server_time: DateTime<Utc>,
}

/// Formats a version for `If-Match` (a quoted entity tag).
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// Parses an `If-Match` value such as `"3"` or `W/"3"`.
pub fn parse_etag(value: &str) -> Option<i64> {
    let v = value.trim();
    let v = v.strip_prefix("W/").unwrap_or(v);
    v.trim_matches('"').parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_round_trip() {
        assert_eq!(parse_etag(&etag(7)), Some(7));
        assert_eq!(parse_etag("W/\"12\""), Some(12));
        assert_eq!(parse_etag("*"), None);
    }
}

/// `GET /api/v1/orders/changes` answer.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangesPage {
    /// Orders new or changed in the user's view, oldest change first.
    pub orders: Vec<crate::domain::Order>,
    /// Orders that left the user's view since the cursor.
    pub removed: Vec<String>,
    /// Pass back to continue; opaque.
    pub cursor: String,
    /// Another page is waiting.
    pub more: bool,
    /// The server's clock: overdue and countdowns are measured on it.
    pub server_time: DateTime<Utc>,
    /// Extension: grows whenever an administrator changes a parameter, so
    /// clients refetch them at their next poll.
    #[serde(default)]
    pub params_revision: i64,
    /// Extension: grows with every change to the rate card, so clients
    /// refetch their copy for offline quotes.
    #[serde(default)]
    pub rate_revision: i64,
}

/// `GET /api/v1/orders/{order_no}` for an order outside the user's view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderSummary {
    pub order_no: String,
    pub status: crate::domain::Status,
    pub current_outlet_code: Option<String>,
    pub accepting_outlet_code: Option<String>,
}

pub use crate::domain::order::{AcceptFields, Action, InboundOrder};
pub use crate::domain::pricing::{
    ChargeLine, Consignee, DiscountLine, Product, Quote, RateLine, Tier, Waybill, WaybillDraft,
};

/// `GET /api/v1/rate_lines` answer.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RateLineList {
    /// Grows with every change to the card.
    pub revision: i64,
    pub lines: Vec<RateLine>,
}

/// `POST /api/v1/waybills/quote` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuoteRequest {
    pub order_no: String,
    pub waybill: WaybillDraft,
}

/// The MIME type of .xlsx, for rate-card import and export.
pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `POST /api/v1/rate_lines/import` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportResult {
    pub added: usize,
    pub updated: usize,
}
/// One entry of an order's history, as `GET …/events` serves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderEvent {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_login: String,
    pub outlet_code: Option<String>,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason_code: Option<String>,
    pub note: Option<String>,
}
