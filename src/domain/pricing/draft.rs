//! What the clerk fills in to bill an order (WaybillDraft) and its checks.

use serde::{Deserialize, Serialize};

use super::card::Product;
use crate::domain::order::{Cargo, Order, Payment};
use crate::domain::rule::{Checker, RuleError};

/// The consignee as the waybill prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Consignee {
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
}

/// When the collected money (代收货款) goes back to the shipper.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CodRefund {
    /// 三日退.
    #[default]
    ThreeDay,
    /// 即日退.
    SameDay,
}

/// How the goods reach the consignee.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// 自提: the consignee collects at the outlet.
    #[default]
    SelfPickup,
    /// 送货上门.
    Door,
}

/// A waybill before pricing (API.md WaybillDraft). Quantities as API.md:
/// fen, grams, cm³, metres.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WaybillDraft {
    /// 运单号 from the pre-printed waybill.
    pub waybill_no: String,
    pub product_code: String,
    pub dest_province: String,
    pub dest_city: String,
    #[serde(default)]
    pub dest_district: String,
    pub consignee: Consignee,
    pub cargo: Cargo,
    /// 保价 in fen; required (> 0).
    pub declared_value_fen: i64,
    #[serde(default)]
    pub cod_amount_fen: i64,
    #[serde(default)]
    pub cod_refund: CodRefund,
    pub payment: Payment,
    #[serde(default)]
    pub pickup_required: bool,
    #[serde(default)]
    pub pickup_distance_m: i64,
    #[serde(default = "yes")]
    pub single_pickup_address: bool,
    #[serde(default)]
    pub delivery: Delivery,
}

fn yes() -> bool {
    true
}

/// Limits past which a number is a slip of the keyboard, not a shipment.
pub mod limits {
    /// 100 t.
    pub const MAX_WEIGHT_G: i64 = 100_000_000;
    /// 200 m³.
    pub const MAX_VOLUME_CM3: i64 = 200_000_000;
    pub const MAX_PIECES: i64 = 9_999;
    /// 100,000,000 yuan.
    pub const MAX_VALUE_FEN: i64 = 10_000_000_000;
    /// 1,000 km.
    pub const MAX_DISTANCE_M: i64 = 1_000_000;
}

impl WaybillDraft {
    /// A draft pre-filled from the order (consignee, cargo, declared value,
    /// COD, payment, pickup); the clerk adds the rest.
    pub fn from_order(o: &Order) -> WaybillDraft {
        WaybillDraft {
            waybill_no: String::new(),
            product_code: match o.transport_mode {
                crate::domain::order::TransportMode::Air => "JZKY",
                crate::domain::order::TransportMode::PartnerLine => super::PARTNER_PRODUCT,
                crate::domain::order::TransportMode::FullTruck => "JZZC",
                crate::domain::order::TransportMode::Express => "JZKH",
                crate::domain::order::TransportMode::Standard => "JZQY_LONG",
            }
            .to_owned(),
            dest_province: o.consignee.province.clone(),
            dest_city: o.consignee.city.clone(),
            dest_district: o.consignee.district.clone(),
            consignee: Consignee {
                name: o.consignee.name.clone(),
                phone: o.consignee.phone.clone(),
                address: o.consignee.address.clone(),
            },
            cargo: o.cargo.clone(),
            declared_value_fen: o.declared_value,
            cod_amount_fen: o.cod_amount,
            cod_refund: CodRefund::ThreeDay,
            payment: o.payment,
            pickup_required: o.pickup_required,
            pickup_distance_m: 0,
            single_pickup_address: true,
            delivery: Delivery::SelfPickup,
        }
    }

    /// Checks what pricing needs (everything but the waybill number), so
    /// the live quote can run before the number is typed.
    pub fn check_for_quote(&self, products: &[Product], c: &mut Checker) {
        use limits::*;
        c.check(
            !products.iter().any(|p| p.code == self.product_code),
            "product_code",
            "unknown_product",
        );
        c.check(
            self.dest_province.trim().is_empty(),
            "dest_province",
            "required",
        );
        c.check(self.dest_city.trim().is_empty(), "dest_city", "required");
        c.check(
            self.consignee.name.trim().is_empty(),
            "consignee.name",
            "required",
        );
        c.check(
            !crate::domain::rule::is_valid_phone(&self.consignee.phone),
            "consignee.phone",
            "invalid_phone",
        );
        c.check(
            !(1..=MAX_PIECES).contains(&self.cargo.pieces),
            "cargo.pieces",
            "out_of_range",
        );
        c.check(
            !(1..=MAX_WEIGHT_G).contains(&self.cargo.weight_g),
            "cargo.weight_g",
            "out_of_range",
        );
        c.check(
            !(0..=MAX_VOLUME_CM3).contains(&self.cargo.volume_cm3),
            "cargo.volume_cm3",
            "out_of_range",
        );
        c.check(
            self.declared_value_fen <= 0,
            "declared_value_fen",
            "declared_value_required",
        );
        c.check(
            self.declared_value_fen > MAX_VALUE_FEN,
            "declared_value_fen",
            "out_of_range",
        );
        c.check(
            !(0..=MAX_VALUE_FEN).contains(&self.cod_amount_fen),
            "cod_amount_fen",
            "out_of_range",
        );
        c.check(
            !(0..=MAX_DISTANCE_M).contains(&self.pickup_distance_m),
            "pickup_distance_m",
            "out_of_range",
        );
    }

    /// Every check of an import: [`Self::check_for_quote`] and the number.
    pub fn check(&self, products: &[Product], pattern: &WaybillPattern) -> Result<(), RuleError> {
        let mut c = Checker::default();
        c.check(self.waybill_no.trim().is_empty(), "waybill_no", "required");
        c.check(
            !pattern.matches(&self.waybill_no),
            "waybill_no",
            "invalid_waybill_no",
        );
        self.check_for_quote(products, &mut c);
        c.finish()
    }
}

/// Parameter `waybill.number_pattern` (default `^[0-9]{8,9}$`), compiled.
#[derive(Debug, Clone)]
pub struct WaybillPattern(regex::Regex);

/// The shipped default of `waybill.number_pattern`.
pub const DEFAULT_NUMBER_PATTERN: &str = "^[0-9]{8,9}$";

impl WaybillPattern {
    /// Compiles a pattern; an administrator's bad pattern is refused when
    /// the parameter is saved, so this fails only on a damaged database.
    pub fn new(pattern: &str) -> Result<WaybillPattern, String> {
        regex::Regex::new(pattern)
            .map(WaybillPattern)
            .map_err(|e| e.to_string())
    }

    /// Whether `no` is a valid waybill number.
    pub fn matches(&self, no: &str) -> bool {
        !no.is_empty() && self.0.is_match(no)
    }
}

impl Default for WaybillPattern {
    fn default() -> Self {
        // A literal, tested to compile.
        WaybillPattern(regex::Regex::new(DEFAULT_NUMBER_PATTERN).expect("default pattern"))
    }
}
