//! The rate line being edited, as typed, and its reading back into a
//! `RateLine` with every field that does not parse named.

use super::LineField;
use crate::api::{RateLine, Tier};
use crate::i18n;
use crate::ui::screen::form::FormErrors;

/// The line being edited, as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct Draft {
    pub id: i64,
    pub version: i64,
    pub product: String,
    pub origin_province: String,
    pub origin_city: String,
    pub dest_province: String,
    pub dest_city: String,
    pub dest_district: String,
    pub via_province: String,
    pub via_city: String,
    pub min: String,
    pub from: String,
    pub to: String,
    /// kg, yuan/kg, m³, yuan/m³ per tier.
    pub tiers: Vec<[String; 4]>,
}

/// The scale of each tier column: g per kg, fen per yuan, cm³ per m³,
/// fen per yuan.
const TIER_SCALES: [i64; 4] = [1000, 100, 1_000_000, 100];

fn dec(v: i64, scale: i64) -> String {
    let s = format!("{:.3}", v as f64 / scale as f64);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn undec(s: &str, scale: i64) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    v.is_finite().then(|| (v * scale as f64).round() as i64)
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl Draft {
    /// A new line: 精准卡航 from today, one open tier.
    pub fn blank(today: chrono::NaiveDate) -> Draft {
        Draft {
            product: "JZKH".into(),
            from: today.to_string(),
            tiers: vec![["0".into(), String::new(), "0".into(), String::new()]],
            ..Draft::default()
        }
    }

    pub fn of(l: &RateLine) -> Draft {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let tier = |t: &Tier| {
            let v = [
                t.from_weight_g,
                t.heavy_fen_per_kg,
                t.from_volume_cm3,
                t.light_fen_per_m3,
            ];
            std::array::from_fn(|i| dec(v[i], TIER_SCALES[i]))
        };
        Draft {
            id: l.id,
            version: l.version,
            product: l.product_code.clone(),
            origin_province: s(&l.origin_province),
            origin_city: s(&l.origin_city),
            dest_province: l.dest_province.clone(),
            dest_city: s(&l.dest_city),
            dest_district: s(&l.dest_district),
            via_province: s(&l.via_province),
            via_city: s(&l.via_city),
            min: dec(l.min_charge_fen, 100),
            from: l.effective_from.to_string(),
            to: l.effective_to.map(|d| d.to_string()).unwrap_or_default(),
            tiers: l.tiers.iter().map(tier).collect(),
        }
    }

    /// The text behind a field.
    pub fn slot(&mut self, field: LineField) -> &mut String {
        match field {
            LineField::OriginProvince => &mut self.origin_province,
            LineField::OriginCity => &mut self.origin_city,
            LineField::DestProvince => &mut self.dest_province,
            LineField::DestCity => &mut self.dest_city,
            LineField::DestDistrict => &mut self.dest_district,
            LineField::ViaProvince => &mut self.via_province,
            LineField::ViaCity => &mut self.via_city,
            LineField::Min => &mut self.min,
            LineField::From => &mut self.from,
            LineField::To => &mut self.to,
        }
    }

    /// The line, or the fields that do not parse.
    pub fn line(&self, lang: i18n::Lang) -> Result<RateLine, FormErrors> {
        let mut e = FormErrors::default();
        let min = undec(&self.min, 100).unwrap_or_else(|| {
            e.add(lang, "min_charge_fen", "not_a_number");
            0
        });
        let date = |s: &str| chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let from = date(&self.from).unwrap_or_else(|| {
            e.add(lang, "effective_from", "invalid_date");
            chrono::NaiveDate::MIN
        });
        let to = if self.to.trim().is_empty() {
            None
        } else {
            let d = date(&self.to);
            if d.is_none() {
                e.add(lang, "effective_to", "invalid_date");
            }
            d
        };
        let mut tiers = Vec::new();
        for t in &self.tiers {
            let n = |i: usize| undec(&t[i], TIER_SCALES[i]);
            match (n(0), n(1), n(2), n(3)) {
                (Some(w), Some(h), Some(v), Some(l)) => tiers.push(Tier {
                    from_weight_g: w,
                    heavy_fen_per_kg: h,
                    from_volume_cm3: v,
                    light_fen_per_m3: l,
                }),
                _ => e.add(lang, "tiers", "not_a_number"),
            }
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(RateLine {
            id: self.id,
            origin_province: opt(&self.origin_province),
            origin_city: opt(&self.origin_city),
            dest_province: self.dest_province.trim().to_owned(),
            dest_city: opt(&self.dest_city),
            dest_district: opt(&self.dest_district),
            product_code: self.product.clone(),
            via_province: opt(&self.via_province),
            via_city: opt(&self.via_city),
            min_charge_fen: min,
            tiers,
            effective_from: from,
            effective_to: to,
            version: self.version,
            retired: false,
        })
    }
}
