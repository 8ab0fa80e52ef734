//! The price of a waybill (SPEC 3.5): charge lines, the Ali discount lines
//! and the totals, in integer fen.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::card::{
    Mode, PARTNER_PRODUCT, PARTNER_TRUNK, Place, Product, RateCard, RateLine, given,
};
use super::draft::{CodRefund, Delivery, WaybillDraft};
use crate::domain::Outlet;
use crate::domain::order::Payment;
use crate::domain::rule::{Checker, RuleError};

/// A charge (费用) of a waybill, by Deppon's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum ChargeCode {
    /// 运费.
    #[serde(rename = "FRT")]
    Frt,
    /// 中转费 (partner line).
    #[serde(rename = "ZZ")]
    Zz,
    /// 保价费.
    #[serde(rename = "BF")]
    Bf,
    /// 代收货款手续费.
    #[serde(rename = "HK")]
    Hk,
    /// 接货费.
    #[serde(rename = "JH")]
    Jh,
    /// 送货费.
    #[serde(rename = "SH")]
    Sh,
    /// 综合服务费.
    #[serde(rename = "ZHXX")]
    Zhxx,
}

impl ChargeCode {
    /// The wire code, e.g. `FRT`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChargeCode::Frt => "FRT",
            ChargeCode::Zz => "ZZ",
            ChargeCode::Bf => "BF",
            ChargeCode::Hk => "HK",
            ChargeCode::Jh => "JH",
            ChargeCode::Sh => "SH",
            ChargeCode::Zhxx => "ZHXX",
        }
    }

    /// The carrier's Chinese name, kept on the line as data; screens show
    /// `charge.<code>` in the user's language.
    pub fn zh_name(self) -> &'static str {
        match self {
            ChargeCode::Frt => "运费",
            ChargeCode::Zz => "中转费",
            ChargeCode::Bf => "保价费",
            ChargeCode::Hk => "代收货款手续费",
            ChargeCode::Jh => "接货费",
            ChargeCode::Sh => "送货费",
            ChargeCode::Zhxx => "综合服务费",
        }
    }
}

/// An Ali discount [manual].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DiscountCode {
    /// The 综合服务费 waived on Ali orders.
    AliServiceFee,
    /// 接货费 waived for big shipments near an urban outlet.
    AliFreePickup,
}

impl DiscountCode {
    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            DiscountCode::AliServiceFee => "ALI_SERVICE_FEE",
            DiscountCode::AliFreePickup => "ALI_FREE_PICKUP",
        }
    }

    /// The i18n key of the reason in words.
    pub fn reason_key(self) -> String {
        format!("discount.reason.{}", self.as_str())
    }
}

/// What decided the freight: 重货, 轻货 or 最低一票.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FreightBasis {
    Weight,
    Volume,
    Minimum,
}

impl FreightBasis {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            FreightBasis::Weight => "weight",
            FreightBasis::Volume => "volume",
            FreightBasis::Minimum => "minimum",
        }
    }
}

/// One charge of the quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChargeLine {
    pub code: ChargeCode,
    /// The charge's Chinese name (screens localize by `code`).
    pub name: String,
    /// Whole yuan, in fen.
    pub amount_fen: i64,
    /// How it was reached, a code the screens localize (`basis.<code>`):
    /// `weight`, `volume`, `minimum` (FRT, ZZ); `rate`, `minimum`,
    /// `maximum` (BF, HK); `flat`, `per_kg` (JH, SH, ZHXX).
    pub basis: String,
}

/// One Ali discount of the quote, on one charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DiscountLine {
    pub code: DiscountCode,
    pub charge_code: ChargeCode,
    pub amount_fen: i64,
    /// The reason in words; the domain fills the i18n key
    /// `discount.reason.<code>`, the hub answers it in the request's
    /// language.
    pub reason: String,
}

/// A priced waybill (API.md Quote).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Quote {
    pub charges: Vec<ChargeLine>,
    pub discounts: Vec<DiscountLine>,
    /// Sum of the charges.
    pub published_fen: i64,
    /// Sum of the discounts.
    pub discount_fen: i64,
    /// Payable: published − discounts.
    pub total_fen: i64,
    /// Paid by the shipper (sender, monthly).
    pub prepaid_fen: i64,
    /// Paid by the consignee (到付).
    pub collect_fen: i64,
    pub freight_basis: FreightBasis,
    /// Weight the freight was priced on (air: volumetric when larger).
    pub chargeable_weight_g: i64,
    /// The line that priced the freight.
    pub rate_line_id: i64,
    pub rate_line_version: i64,
    /// Extension: the AGENT_VEHICLE line that priced 中转费 (partner line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_line_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_line_version: Option<i64>,
}

impl Quote {
    /// The amount of one charge (0 when absent).
    pub fn charge(&self, code: ChargeCode) -> i64 {
        self.charges
            .iter()
            .filter(|c| c.code == code)
            .map(|c| c.amount_fen)
            .sum()
    }

    /// The amount of one discount (0 when absent).
    pub fn discount(&self, code: DiscountCode) -> i64 {
        self.discounts
            .iter()
            .filter(|d| d.code == code)
            .map(|d| d.amount_fen)
            .sum()
    }
}

/// The fee parameters of SPEC 3.5 (all adjustable by administrators).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceParams {
    /// 保价费 rate, parts per million of the declared value.
    pub insurance_ppm: i64,
    /// 保价费 minimum: long haul, partner line and full truck.
    pub insurance_min_long_fen: i64,
    pub insurance_min_short_fen: i64,
    pub insurance_min_air_fen: i64,
    /// Air: cm³ per chargeable kg.
    pub air_volume_divisor_cm3_per_kg: i64,
    /// 接货费.
    pub pickup_fee_fen: i64,
    /// 代收手续费, three-day refund.
    pub cod_three_day_ppm: i64,
    /// …from this amount on.
    pub cod_three_day_reduced_ppm: i64,
    pub cod_three_day_reduced_from_fen: i64,
    pub cod_three_day_min_fen: i64,
    pub cod_three_day_max_fen: i64,
    /// 代收手续费, same-day refund.
    pub cod_same_day_ppm: i64,
    pub cod_same_day_min_fen: i64,
    pub cod_same_day_max_fen: i64,
    /// 送货费 for big shipments: above this weight …
    pub delivery_heavy_above_weight_g: i64,
    /// … or from this volume on.
    pub delivery_heavy_from_volume_cm3: i64,
    pub delivery_heavy_fen: i64,
    /// 送货费 up to this weight.
    pub delivery_base_max_weight_g: i64,
    pub delivery_base_fen: i64,
    /// Between the two: this much per kg of the whole weight.
    pub delivery_fen_per_kg: i64,
    /// 综合服务费 (and the ALI_SERVICE_FEE discount).
    pub service_fee_fen: i64,
    /// ALI_FREE_PICKUP: weight strictly above …
    pub free_pickup_min_weight_g: i64,
    /// … or volume strictly above …
    pub free_pickup_min_volume_cm3: i64,
    /// … and pickup distance at most.
    pub free_pickup_max_distance_m: i64,
}

impl Default for PriceParams {
    /// The defaults of SPEC 3.5 (Deppon's practice).
    fn default() -> Self {
        PriceParams {
            insurance_ppm: 4_000,
            insurance_min_long_fen: 800,
            insurance_min_short_fen: 600,
            insurance_min_air_fen: 1_000,
            air_volume_divisor_cm3_per_kg: 6_000,
            pickup_fee_fen: 3_000,
            cod_three_day_ppm: 5_000,
            cod_three_day_reduced_ppm: 4_000,
            cod_three_day_reduced_from_fen: 1_000_000,
            cod_three_day_min_fen: 1_000,
            cod_three_day_max_fen: 10_000,
            cod_same_day_ppm: 10_000,
            cod_same_day_min_fen: 2_000,
            cod_same_day_max_fen: 20_000,
            delivery_heavy_above_weight_g: 500_000,
            delivery_heavy_from_volume_cm3: 2_500_000,
            delivery_heavy_fen: 10_000,
            delivery_base_max_weight_g: 300_000,
            delivery_base_fen: 5_500,
            delivery_fen_per_kg: 20,
            service_fee_fen: 200,
            free_pickup_min_weight_g: 500_000,
            free_pickup_min_volume_cm3: 3_000_000,
            free_pickup_max_distance_m: 20_000,
        }
    }
}

impl PriceParams {
    /// Sets the parameter `key` (a `price.*` or `discount.*` key of
    /// 参数配置) from its value; unknown keys and non-integers are ignored.
    pub fn set(&mut self, key: &str, value: i64) {
        let field = match key {
            "price.insurance_ppm" => &mut self.insurance_ppm,
            "price.insurance_min_long_fen" => &mut self.insurance_min_long_fen,
            "price.insurance_min_short_fen" => &mut self.insurance_min_short_fen,
            "price.insurance_min_air_fen" => &mut self.insurance_min_air_fen,
            "price.air_volume_divisor_cm3_per_kg" => &mut self.air_volume_divisor_cm3_per_kg,
            "price.pickup_fee_fen" => &mut self.pickup_fee_fen,
            "price.cod_three_day_ppm" => &mut self.cod_three_day_ppm,
            "price.cod_three_day_reduced_ppm" => &mut self.cod_three_day_reduced_ppm,
            "price.cod_three_day_reduced_from_fen" => &mut self.cod_three_day_reduced_from_fen,
            "price.cod_three_day_min_fen" => &mut self.cod_three_day_min_fen,
            "price.cod_three_day_max_fen" => &mut self.cod_three_day_max_fen,
            "price.cod_same_day_ppm" => &mut self.cod_same_day_ppm,
            "price.cod_same_day_min_fen" => &mut self.cod_same_day_min_fen,
            "price.cod_same_day_max_fen" => &mut self.cod_same_day_max_fen,
            "price.delivery_heavy_above_weight_g" => &mut self.delivery_heavy_above_weight_g,
            "price.delivery_heavy_from_volume_cm3" => &mut self.delivery_heavy_from_volume_cm3,
            "price.delivery_heavy_fen" => &mut self.delivery_heavy_fen,
            "price.delivery_base_max_weight_g" => &mut self.delivery_base_max_weight_g,
            "price.delivery_base_fen" => &mut self.delivery_base_fen,
            "price.delivery_fen_per_kg" => &mut self.delivery_fen_per_kg,
            "discount.service_fee_fen" => &mut self.service_fee_fen,
            "discount.free_pickup_min_weight_g" => &mut self.free_pickup_min_weight_g,
            "discount.free_pickup_min_volume_cm3" => &mut self.free_pickup_min_volume_cm3,
            "discount.free_pickup_max_distance_m" => &mut self.free_pickup_max_distance_m,
            _ => return,
        };
        *field = value;
    }

    /// From `(key, value)` pairs over the defaults.
    pub fn from_values<'a>(
        values: impl IntoIterator<Item = (&'a str, &'a serde_json::Value)>,
    ) -> PriceParams {
        let mut p = PriceParams::default();
        for (k, v) in values {
            if let Some(n) = v.as_i64() {
                p.set(k, n);
            }
        }
        p
    }
}

/// Why a draft could not be priced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// Fields that break a rule (422 `invalid_fields`).
    #[error(transparent)]
    Invalid(#[from] RuleError),
    /// No rate line for the route (422 `no_rate`); `route` names it.
    #[error("no price for {route}")]
    NoRate {
        /// "扬州 → 西藏 拉萨 (JZKH)".
        route: String,
    },
}

/// Money in millionths of a fen, so weight × price per kg and volume ×
/// price per m³ compare exactly before the one rounding.
type Micro = i128;
const MICRO_PER_FEN: Micro = 1_000_000;
const FEN_PER_YUAN: Micro = 100;

/// Rounds half-up to a whole yuan, in fen.
fn to_yuan(x: Micro) -> i64 {
    let unit = MICRO_PER_FEN * FEN_PER_YUAN;
    let yuan = (x.max(0) + unit / 2) / unit;
    // Inputs are bounded by the draft and line checks far below i64.
    i64::try_from(yuan * FEN_PER_YUAN).unwrap_or(i64::MAX)
}

fn fen(x: i64) -> Micro {
    Micro::from(x) * MICRO_PER_FEN
}

/// One freight-like charge priced on one line.
struct Priced {
    amount_fen: i64,
    basis: FreightBasis,
    chargeable_g: i64,
}

fn tier_for(
    line: &RateLine,
    pick: impl Fn(&super::card::Tier) -> bool,
) -> Option<&super::card::Tier> {
    line.tiers.iter().rev().find(|t| pick(t))
}

/// The larger of weight fee, volume fee and the minimum (SPEC 3.5). Air
/// prices the chargeable weight on heavy prices only.
fn price_on(line: &RateLine, weight_g: i64, volume_cm3: i64, air_divisor: Option<i64>) -> Priced {
    let min = fen(line.min_charge_fen);
    let (chargeable, volumetric_wins) = match air_divisor {
        Some(div) if div > 0 => {
            // Volumetric grams, rounded up to the gram.
            let vol_g = (i128::from(volume_cm3) * 1000 + i128::from(div) - 1) / i128::from(div);
            let vol_g = i64::try_from(vol_g).unwrap_or(i64::MAX);
            (weight_g.max(vol_g), vol_g > weight_g)
        }
        _ => (weight_g, false),
    };
    let heavy = tier_for(line, |t| t.from_weight_g <= chargeable).map_or(0, |t| t.heavy_fen_per_kg);
    let weight_fee = i128::from(chargeable) * i128::from(heavy) * 1000;
    let volume_fee = if air_divisor.is_some() {
        0
    } else {
        let light =
            tier_for(line, |t| t.from_volume_cm3 <= volume_cm3).map_or(0, |t| t.light_fen_per_m3);
        i128::from(volume_cm3) * i128::from(light)
    };
    let (best, basis) = if weight_fee >= volume_fee && weight_fee >= min {
        let basis = if volumetric_wins {
            FreightBasis::Volume
        } else {
            FreightBasis::Weight
        };
        (weight_fee, basis)
    } else if volume_fee >= min {
        (volume_fee, FreightBasis::Volume)
    } else {
        (min, FreightBasis::Minimum)
    };
    Priced {
        amount_fen: to_yuan(best),
        basis,
        chargeable_g: chargeable,
    }
}

fn no_rate(product: &str, from: Place<'_>, to: Place<'_>) -> QuoteError {
    let to = [to.province, to.city, to.district]
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let from = if from.city.trim().is_empty() {
        from.province
    } else {
        from.city
    };
    QuoteError::NoRate {
        route: format!("{from} → {to} ({product})"),
    }
}

fn line(code: ChargeCode, amount_fen: i64, basis: &str) -> ChargeLine {
    ChargeLine {
        code,
        name: code.zh_name().to_owned(),
        amount_fen,
        basis: basis.to_owned(),
    }
}

/// A fee that is `rate` of `base`, kept between `min` and `max`.
fn banded(base: i64, ppm: i64, min: i64, max: Option<i64>) -> (Micro, &'static str) {
    let fee = i128::from(base) * i128::from(ppm);
    if fee < fen(min) {
        (fen(min), "minimum")
    } else if let Some(max) = max.filter(|m| fee > fen(*m)) {
        (fen(max), "maximum")
    } else {
        (fee, "rate")
    }
}

/// 保价费: a share of the declared value, at least the haul's minimum.
fn insurance_fee(draft: &WaybillDraft, product: &Product, p: &PriceParams) -> ChargeLine {
    let min = match (product.mode, product.haul) {
        (Mode::Air, _) => p.insurance_min_air_fen,
        (Mode::Ltl, super::card::Haul::Short) => p.insurance_min_short_fen,
        _ => p.insurance_min_long_fen,
    };
    let (bf, basis) = banded(draft.declared_value_fen, p.insurance_ppm, min, None);
    line(ChargeCode::Bf, to_yuan(bf), basis)
}

/// 代收货款手续费, only with COD: the refund speed's band.
fn cod_fee(draft: &WaybillDraft, p: &PriceParams) -> Option<ChargeLine> {
    if draft.cod_amount_fen <= 0 {
        return None;
    }
    let (ppm, min, max) = match draft.cod_refund {
        CodRefund::ThreeDay if draft.cod_amount_fen >= p.cod_three_day_reduced_from_fen => (
            p.cod_three_day_reduced_ppm,
            p.cod_three_day_min_fen,
            p.cod_three_day_max_fen,
        ),
        CodRefund::ThreeDay => (
            p.cod_three_day_ppm,
            p.cod_three_day_min_fen,
            p.cod_three_day_max_fen,
        ),
        CodRefund::SameDay => (
            p.cod_same_day_ppm,
            p.cod_same_day_min_fen,
            p.cod_same_day_max_fen,
        ),
    };
    let (hk, basis) = banded(draft.cod_amount_fen, ppm, min, Some(max));
    Some(line(ChargeCode::Hk, to_yuan(hk), basis))
}

/// 送货费, only for delivery to the door.
fn delivery_fee(draft: &WaybillDraft, p: &PriceParams) -> Option<ChargeLine> {
    if draft.delivery != Delivery::Door {
        return None;
    }
    let (weight, volume) = (draft.cargo.weight_g, draft.cargo.volume_cm3);
    let (sh, basis) =
        if weight > p.delivery_heavy_above_weight_g || volume >= p.delivery_heavy_from_volume_cm3 {
            (fen(p.delivery_heavy_fen), "flat")
        } else if weight <= p.delivery_base_max_weight_g {
            (fen(p.delivery_base_fen), "flat")
        } else {
            // fen per kg × grams = millifen; × 1000 to micro.
            (
                i128::from(weight) * i128::from(p.delivery_fen_per_kg) * 1000,
                "per_kg",
            )
        };
    Some(line(ChargeCode::Sh, to_yuan(sh), basis))
}

/// The Ali discounts, ltl products only [manual]: the service fee always,
/// the pickup fee for a big single-address pickup near an urban outlet.
fn ali_discounts(
    draft: &WaybillDraft,
    product: &Product,
    outlet: &Outlet,
    p: &PriceParams,
    jh: Option<i64>,
    zhxx: i64,
) -> Vec<DiscountLine> {
    let mut discounts = Vec::new();
    if product.mode != Mode::Ltl {
        return discounts;
    }
    let mut discount = |code: DiscountCode, charge_code: ChargeCode, amount_fen: i64| {
        if amount_fen > 0 {
            discounts.push(DiscountLine {
                code,
                charge_code,
                amount_fen,
                reason: code.reason_key(),
            });
        }
    };
    discount(DiscountCode::AliServiceFee, ChargeCode::Zhxx, zhxx);
    let (weight, volume) = (draft.cargo.weight_g, draft.cargo.volume_cm3);
    let big = weight > p.free_pickup_min_weight_g || volume > p.free_pickup_min_volume_cm3;
    if let Some(jh) = jh
        && draft.single_pickup_address
        && outlet.urban
        && draft.pickup_distance_m <= p.free_pickup_max_distance_m
        && big
    {
        discount(DiscountCode::AliFreePickup, ChargeCode::Jh, jh);
    }
    discounts
}

/// The line the freight is priced on and, for a partner line (汽运偏线),
/// the partner's own line for the transfer fee: the freight then runs on
/// the trunk to the transfer city.
fn freight_lines<'c>(
    card: &'c RateCard,
    product: &Product,
    origin: Place<'_>,
    dest: Place<'_>,
    day: NaiveDate,
) -> Result<(&'c RateLine, Option<&'c RateLine>), QuoteError> {
    let own = card
        .find(&product.code, origin, dest, day)
        .ok_or_else(|| no_rate(&product.code, origin, dest))?;
    if product.code != PARTNER_PRODUCT && product.mode != Mode::PartnerLine {
        return Ok((own, None));
    }
    let via = Place {
        province: given(&own.via_province).unwrap_or(""),
        city: given(&own.via_city).unwrap_or(""),
        district: "",
    };
    let trunk = card
        .find(PARTNER_TRUNK, origin, via, day)
        .ok_or_else(|| no_rate(PARTNER_TRUNK, origin, via))?;
    Ok((trunk, Some(own)))
}

/// Prices `draft` billed by `outlet` on `day` (SPEC 3.5): pure, exact, in
/// fen. The origin is the billing outlet's province and city.
pub fn quote(
    draft: &WaybillDraft,
    outlet: &Outlet,
    card: &RateCard,
    products: &[Product],
    p: &PriceParams,
    day: NaiveDate,
) -> Result<Quote, QuoteError> {
    let mut c = Checker::default();
    draft.check_for_quote(products, &mut c);
    c.finish()?;
    let Some(product) = products.iter().find(|x| x.code == draft.product_code) else {
        return Err(RuleError::field("product_code", "unknown_product").into());
    };
    let origin = Place {
        province: &outlet.province,
        city: &outlet.city,
        district: &outlet.district,
    };
    let dest = Place {
        province: &draft.dest_province,
        city: &draft.dest_city,
        district: &draft.dest_district,
    };
    let weight = draft.cargo.weight_g;
    let volume = draft.cargo.volume_cm3;
    let mut charges = Vec::with_capacity(7);

    // Freight, and for a partner line the transfer fee.
    let (freight_line, transfer) = freight_lines(card, product, origin, dest, day)?;
    let air = (product.mode == Mode::Air).then_some(p.air_volume_divisor_cm3_per_kg);
    let frt = price_on(freight_line, weight, volume, air);
    charges.push(line(ChargeCode::Frt, frt.amount_fen, frt.basis.as_str()));
    if let Some(t) = transfer {
        let zz = price_on(t, weight, volume, None);
        charges.push(line(ChargeCode::Zz, zz.amount_fen, zz.basis.as_str()));
    }

    charges.push(insurance_fee(draft, product, p));
    charges.extend(cod_fee(draft, p));
    let jh = draft
        .pickup_required
        .then(|| to_yuan(fen(p.pickup_fee_fen)));
    if let Some(jh) = jh {
        charges.push(line(ChargeCode::Jh, jh, "flat"));
    }
    charges.extend(delivery_fee(draft, p));
    let zhxx = to_yuan(fen(p.service_fee_fen));
    charges.push(line(ChargeCode::Zhxx, zhxx, "flat"));
    let discounts = ali_discounts(draft, product, outlet, p, jh, zhxx);

    let published_fen: i64 = charges.iter().map(|c| c.amount_fen).sum();
    let discount_fen: i64 = discounts.iter().map(|d| d.amount_fen).sum();
    let total_fen = published_fen - discount_fen;
    let (prepaid_fen, collect_fen) = match draft.payment {
        Payment::Sender | Payment::Monthly => (total_fen, 0),
        Payment::Receiver => (0, total_fen),
    };
    Ok(Quote {
        charges,
        discounts,
        published_fen,
        discount_fen,
        total_fen,
        prepaid_fen,
        collect_fen,
        freight_basis: frt.basis,
        chargeable_weight_g: frt.chargeable_g,
        rate_line_id: freight_line.id,
        rate_line_version: freight_line.version,
        transfer_line_id: transfer.map(|t| t.id),
        transfer_line_version: transfer.map(|t| t.version),
    })
}
