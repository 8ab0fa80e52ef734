//! 开单 pricing (SPEC 3.5): products, the rate card, the waybill draft and
//! its quote. Pure and exact (integer fen); shared by order-hub, which
//! prices every import, and the client, which quotes live and offline on
//! its cached card.

mod card;
mod draft;
mod quote;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use card::{
    Haul, MAX_PRICE_FEN, Mode, PARTNER_PRODUCT, PARTNER_TRUNK, Place, Product, RateCard, RateLine,
    Tier, given, place_key, same_place, standard_products,
};
pub use draft::{
    CodRefund, Consignee, DEFAULT_NUMBER_PATTERN, Delivery, WaybillDraft, WaybillPattern, limits,
};
pub use quote::{
    ChargeCode, ChargeLine, DiscountCode, DiscountLine, FreightBasis, PriceParams, Quote,
    QuoteError, quote,
};

/// An issued waybill: what the clerk entered, what it was priced at, and
/// who billed it. It keeps its prices for good; a later change to the
/// card never alters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Waybill {
    pub order_no: String,
    #[serde(flatten)]
    pub draft: WaybillDraft,
    #[serde(flatten)]
    pub quote: Quote,
    /// 开单部门: the importing outlet.
    pub billing_outlet_code: String,
    pub billed_by: String,
    pub billed_at: DateTime<Utc>,
    /// Extension: the parameter revision the charges were computed with.
    #[serde(default)]
    pub params_revision: i64,
}

/// The day a waybill is priced on: China time (UTC+8), as the company
/// counts days.
pub fn pricing_day(at: DateTime<Utc>) -> chrono::NaiveDate {
    (at + chrono::Duration::hours(8)).date_naive()
}
