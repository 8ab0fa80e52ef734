//! Products and the rate card (价格方案): rate lines, their checks, and the
//! lookup of the most specific line for a route (SPEC 3.5).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::rule::{Checker, FieldError, RuleError};

/// How a product travels; only `ltl` gets the Ali discounts [manual].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Ltl,
    PartnerLine,
    Air,
    FullTruck,
}

impl Mode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Ltl => "ltl",
            Mode::PartnerLine => "partner_line",
            Mode::Air => "air",
            Mode::FullTruck => "full_truck",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Mode> {
        [Mode::Ltl, Mode::PartnerLine, Mode::Air, Mode::FullTruck]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// Short or long haul: decides the 保价费 minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Haul {
    Long,
    Short,
}

impl Haul {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Haul::Long => "long",
            Haul::Short => "short",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Haul> {
        [Haul::Long, Haul::Short]
            .into_iter()
            .find(|h| h.as_str() == s)
    }
}

/// A product (运输性质), as `GET /api/v1/products` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Product {
    /// Deppon's code, e.g. `JZKH`.
    pub code: String,
    /// The carrier's Chinese name (data, like an outlet's name).
    pub name: String,
    pub mode: Mode,
    pub haul: Haul,
}

/// The partner-line product: its line names the transfer city.
pub const PARTNER_PRODUCT: &str = "AGENT_VEHICLE";
/// The product a partner line's freight is priced on, to the transfer city.
pub const PARTNER_TRUNK: &str = "JZQY_LONG";

/// Deppon's products (SPEC 3.5), in menu order.
pub fn standard_products() -> Vec<Product> {
    let p = |code: &str, name: &str, mode, haul| Product {
        code: code.into(),
        name: name.into(),
        mode,
        haul,
    };
    vec![
        p("JZKH", "精准卡航", Mode::Ltl, Haul::Long),
        p("JZCY", "精准城运", Mode::Ltl, Haul::Short),
        p("JZQY_LONG", "精准汽运(长途)", Mode::Ltl, Haul::Long),
        p("JZQY_SHORT", "精准汽运(短途)", Mode::Ltl, Haul::Short),
        p("AGENT_VEHICLE", "汽运偏线", Mode::PartnerLine, Haul::Long),
        p("JZKY", "精准空运", Mode::Air, Haul::Long),
        p("JZZC", "整车", Mode::FullTruck, Haul::Long),
    ]
}

/// One price step. The first tier of a line starts at 0 g and 0 cm³; a
/// weight uses the highest tier whose `from_weight_g` it reaches, a volume
/// the highest whose `from_volume_cm3` it reaches, chosen separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tier {
    pub from_weight_g: i64,
    /// 重货价, fen per kg.
    pub heavy_fen_per_kg: i64,
    pub from_volume_cm3: i64,
    /// 轻货价, fen per m³.
    pub light_fen_per_m3: i64,
}

/// A rate line of the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RateLine {
    /// Assigned by the hub; 0 on a new line.
    #[serde(default)]
    pub id: i64,
    /// None = any origin.
    #[serde(default)]
    pub origin_province: Option<String>,
    /// None = the whole origin province.
    #[serde(default)]
    pub origin_city: Option<String>,
    pub dest_province: String,
    /// None = the whole destination province.
    #[serde(default)]
    pub dest_city: Option<String>,
    #[serde(default)]
    pub dest_district: Option<String>,
    pub product_code: String,
    /// AGENT_VEHICLE only: the transfer (中转) province.
    #[serde(default)]
    pub via_province: Option<String>,
    /// AGENT_VEHICLE only: the transfer city.
    #[serde(default)]
    pub via_city: Option<String>,
    /// 最低一票, fen.
    pub min_charge_fen: i64,
    pub tiers: Vec<Tier>,
    pub effective_from: NaiveDate,
    /// Last day it applies (inclusive); None = open.
    #[serde(default)]
    pub effective_to: Option<NaiveDate>,
    #[serde(default)]
    pub version: i64,
    /// Extension: retired lines price nothing new but stay for the
    /// waybills priced with them.
    #[serde(default)]
    pub retired: bool,
}

/// A place name without its administrative suffix, so "北京市" matches
/// "北京" and "福建省" matches "福建" however a rate card spells them.
pub fn place_key(s: &str) -> &str {
    let t = s.trim();
    for suffix in [
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "自治区",
        "特别行政区",
        "省",
        "市",
    ] {
        if let Some(x) = t.strip_suffix(suffix)
            && !x.is_empty()
        {
            return x;
        }
    }
    t
}

/// Whether two place names are the same place.
pub fn same_place(a: &str, b: &str) -> bool {
    place_key(a) == place_key(b)
}

/// A set value: `Some` only when not blank.
pub fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A route end as pricing sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    pub province: &'a str,
    pub city: &'a str,
    pub district: &'a str,
}

impl RateLine {
    /// A line not yet stored (id 0, version 1), in force from 2026-01-01
    /// with no end and no transfer city: the demo card's and the tests'
    /// shorthand. `origin` is (province, city), `dest` (province, city,
    /// district).
    pub fn new(
        product: &str,
        origin: (Option<&str>, Option<&str>),
        dest: (&str, Option<&str>, Option<&str>),
        min_charge_fen: i64,
        tiers: Vec<Tier>,
    ) -> RateLine {
        RateLine {
            id: 0,
            origin_province: origin.0.map(str::to_owned),
            origin_city: origin.1.map(str::to_owned),
            dest_province: dest.0.into(),
            dest_city: dest.1.map(str::to_owned),
            dest_district: dest.2.map(str::to_owned),
            product_code: product.into(),
            via_province: None,
            via_city: None,
            min_charge_fen,
            tiers,
            effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            effective_to: None,
            version: 1,
            retired: false,
        }
    }

    /// Whether the line applies on `day` (and is not retired).
    pub fn in_force(&self, day: NaiveDate) -> bool {
        !self.retired && self.effective_from <= day && self.effective_to.is_none_or(|t| day <= t)
    }

    /// How specifically the line names `origin`: 2 city, 1 province,
    /// 0 any; None when it does not cover it.
    fn origin_rank(&self, origin: Place<'_>) -> Option<u8> {
        match (given(&self.origin_province), given(&self.origin_city)) {
            (None, None) => Some(0),
            (p, Some(c)) => (same_place(c, origin.city)
                && p.is_none_or(|p| same_place(p, origin.province)))
            .then_some(2),
            (Some(p), None) => same_place(p, origin.province).then_some(1),
        }
    }

    /// Likewise for the destination: 2 district, 1 city, 0 province.
    fn dest_rank(&self, dest: Place<'_>) -> Option<u8> {
        if !same_place(&self.dest_province, dest.province) {
            return None;
        }
        match (given(&self.dest_city), given(&self.dest_district)) {
            (None, _) => Some(0),
            (Some(c), None) => same_place(c, dest.city).then_some(1),
            (Some(c), Some(d)) => {
                (same_place(c, dest.city) && same_place(d, dest.district)).then_some(2)
            }
        }
    }

    /// "扬州 → 北京 朝阳区" for messages.
    pub fn route_text(&self) -> String {
        let from = given(&self.origin_city)
            .or(given(&self.origin_province))
            .unwrap_or("*");
        let to = [
            Some(self.dest_province.as_str()),
            given(&self.dest_city),
            given(&self.dest_district),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        format!("{from} → {to}")
    }

    /// Whether `self` and `other` price the same route on some same day.
    pub fn overlaps(&self, other: &RateLine) -> bool {
        let same_opt = |a: &Option<String>, b: &Option<String>| match (given(a), given(b)) {
            (None, None) => true,
            (Some(x), Some(y)) => same_place(x, y),
            _ => false,
        };
        let ends_before =
            |a: &RateLine, b: &RateLine| a.effective_to.is_some_and(|t| t < b.effective_from);
        self.id != other.id
            && !self.retired
            && !other.retired
            && self.product_code == other.product_code
            && same_opt(&self.origin_province, &other.origin_province)
            && same_opt(&self.origin_city, &other.origin_city)
            && same_place(&self.dest_province, &other.dest_province)
            && same_opt(&self.dest_city, &other.dest_city)
            && same_opt(&self.dest_district, &other.dest_district)
            && !ends_before(self, other)
            && !ends_before(other, self)
    }

    /// Checks the line on its own (field errors name the field).
    pub fn check(&self, products: &[Product]) -> Result<(), RuleError> {
        let mut c = Checker::default();
        let product = products.iter().find(|p| p.code == self.product_code);
        c.check(product.is_none(), "product_code", "unknown_product");
        c.check(
            self.dest_province.trim().is_empty(),
            "dest_province",
            "required",
        );
        c.check(
            given(&self.origin_city).is_some() && given(&self.origin_province).is_none(),
            "origin_province",
            "required",
        );
        c.check(
            given(&self.dest_district).is_some() && given(&self.dest_city).is_none(),
            "dest_city",
            "required",
        );
        let partner = self.product_code == PARTNER_PRODUCT;
        c.check(
            partner && given(&self.via_city).is_none(),
            "via_city",
            "required",
        );
        c.check(
            partner && given(&self.via_province).is_none(),
            "via_province",
            "required",
        );
        c.check(
            !partner && (given(&self.via_city).is_some() || given(&self.via_province).is_some()),
            "via_city",
            "via_only_partner",
        );
        c.check(self.min_charge_fen < 0, "min_charge_fen", "negative_price");
        c.check(
            self.min_charge_fen > MAX_PRICE_FEN,
            "min_charge_fen",
            "out_of_range",
        );
        c.check(self.tiers.is_empty(), "tiers", "required");
        if let Some(code) = tier_problem(&self.tiers) {
            c.check(true, "tiers", code);
        }
        c.check(
            self.effective_to.is_some_and(|t| t < self.effective_from),
            "effective_to",
            "before_from",
        );
        c.finish()
    }

    /// Checks the line against the others of the card: no two lines may
    /// price the same route on the same day.
    pub fn check_against<'a>(
        &self,
        others: impl IntoIterator<Item = &'a RateLine>,
    ) -> Result<(), RuleError> {
        if others.into_iter().any(|o| self.overlaps(o)) {
            return Err(RuleError::Fields(vec![FieldError::new(
                "effective_from",
                "overlapping_line",
            )]));
        }
        Ok(())
    }
}

/// The largest price or minimum a line may carry (1,000,000 yuan): beyond
/// it is a typing slip, and it keeps every product well inside i64.
pub const MAX_PRICE_FEN: i64 = 100_000_000;

fn tier_problem(tiers: &[Tier]) -> Option<&'static str> {
    let first = tiers.first()?;
    if first.from_weight_g != 0 || first.from_volume_cm3 != 0 {
        return Some("first_tier_not_zero");
    }
    if tiers
        .iter()
        .any(|t| t.heavy_fen_per_kg < 0 || t.light_fen_per_m3 < 0)
    {
        return Some("negative_price");
    }
    if tiers
        .iter()
        .any(|t| t.heavy_fen_per_kg > MAX_PRICE_FEN || t.light_fen_per_m3 > MAX_PRICE_FEN)
    {
        return Some("out_of_range");
    }
    if tiers.windows(2).any(|w| {
        w[1].from_weight_g <= w[0].from_weight_g || w[1].from_volume_cm3 <= w[0].from_volume_cm3
    }) {
        return Some("tiers_not_ascending");
    }
    None
}

/// The rate card, indexed by product and destination so a lookup reads a
/// handful of lines even when the card has tens of thousands.
#[derive(Debug, Clone, Default)]
pub struct RateCard {
    /// (product, destination province key, destination city key or "")
    /// → lines.
    routes: HashMap<(String, String, String), Vec<RateLine>>,
    len: usize,
}

impl RateCard {
    /// Indexes `lines` (retired ones are kept out).
    pub fn new(lines: impl IntoIterator<Item = RateLine>) -> RateCard {
        let mut card = RateCard::default();
        for l in lines.into_iter().filter(|l| !l.retired) {
            let key = (
                l.product_code.clone(),
                place_key(&l.dest_province).to_owned(),
                given(&l.dest_city).map(place_key).unwrap_or("").to_owned(),
            );
            card.routes.entry(key).or_default().push(l);
            card.len += 1;
        }
        card
    }

    /// Number of lines held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the card holds no line.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most specific line in force on `day` for `product` from
    /// `origin` to `dest`: origin city > province > any, then destination
    /// district > city > province. Equal lines (which the card's checks
    /// prevent) go to the newest.
    pub fn find(
        &self,
        product: &str,
        origin: Place<'_>,
        dest: Place<'_>,
        day: NaiveDate,
    ) -> Option<&RateLine> {
        let prov = place_key(dest.province);
        let mut best: Option<((u8, u8, i64), &RateLine)> = None;
        for city in [place_key(dest.city), ""] {
            // The map's key is owned; build it once per bucket.
            let key = (product.to_owned(), prov.to_owned(), city.to_owned());
            let Some(lines) = self.routes.get(&key) else {
                continue;
            };
            for l in lines {
                if !l.in_force(day) {
                    continue;
                }
                let (Some(o), Some(d)) = (l.origin_rank(origin), l.dest_rank(dest)) else {
                    continue;
                };
                let rank = (o, d, l.id);
                if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                    best = Some((rank, l));
                }
            }
            if city.is_empty() {
                break;
            }
        }
        best.map(|(_, l)| l)
    }
}
