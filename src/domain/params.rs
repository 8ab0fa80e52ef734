//! Server parameters (SPEC 3.6): typed, range-checked, with defaults from
//! `config/default.toml`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::rule::RuleError;

/// The shipped defaults, compiled in so a fresh hub never lacks one.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

/// What kind of value a parameter holds; drives validation and the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    /// A plain whole number.
    Int,
    /// A duration in whole minutes.
    Minutes,
    /// A duration in whole seconds.
    Seconds,
    /// Money in fen.
    Fen,
    /// Weight in grams.
    Grams,
    /// Volume in cm³.
    Cm3,
    /// Distance in metres.
    Metres,
    /// An http(s) URL.
    Url,
    /// One of a fixed list of words.
    Choice,
    /// A list of feedback reasons.
    Reasons,
    /// A regular expression (e.g. the waybill-number pattern).
    Pattern,
}

impl ParamType {
    /// Whether the value is a whole number with a range.
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            ParamType::Int
                | ParamType::Minutes
                | ParamType::Seconds
                | ParamType::Fen
                | ParamType::Grams
                | ParamType::Cm3
                | ParamType::Metres
        )
    }
}

/// The definition of one parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamDef {
    /// Stable key, `category.name`.
    pub key: &'static str,
    /// The category shown on the left of the 参数配置 screen.
    pub category: &'static str,
    pub ty: ParamType,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// Allowed words for `Choice`.
    pub choices: &'static [&'static str],
}

const fn int(
    key: &'static str,
    category: &'static str,
    ty: ParamType,
    min: i64,
    max: i64,
) -> ParamDef {
    ParamDef {
        key,
        category,
        ty,
        min: Some(min),
        max: Some(max),
        choices: &[],
    }
}

/// Categories in display order.
pub const CATEGORIES: [&str; 8] = [
    "sla", "discount", "price", "waybill", "reasons", "sync", "print", "report",
];

/// Every parameter the hub knows.
pub const DEFS: &[ParamDef] = &[
    int("sla.call_window_minutes", "sla", ParamType::Minutes, 1, 240),
    int("sla.overdue_minutes", "sla", ParamType::Minutes, 10, 2880),
    int(
        "sla.alert_repeat_minutes",
        "sla",
        ParamType::Minutes,
        0,
        120,
    ),
    int(
        "discount.service_fee_fen",
        "discount",
        ParamType::Fen,
        0,
        100_000,
    ),
    int(
        "discount.free_pickup_min_weight_g",
        "discount",
        ParamType::Grams,
        1,
        100_000_000,
    ),
    int(
        "discount.free_pickup_min_volume_cm3",
        "discount",
        ParamType::Cm3,
        1,
        1_000_000_000,
    ),
    int(
        "discount.free_pickup_max_distance_m",
        "discount",
        ParamType::Metres,
        0,
        1_000_000,
    ),
    int(
        "discount.partner_line_transfer_fee_fen",
        "discount",
        ParamType::Fen,
        0,
        1_000_000,
    ),
    int("price.insurance_ppm", "price", ParamType::Int, 0, 100_000),
    int(
        "price.insurance_min_long_fen",
        "price",
        ParamType::Fen,
        0,
        1_000_000,
    ),
    int(
        "price.insurance_min_short_fen",
        "price",
        ParamType::Fen,
        0,
        1_000_000,
    ),
    int(
        "price.insurance_min_air_fen",
        "price",
        ParamType::Fen,
        0,
        1_000_000,
    ),
    int(
        "price.air_volume_divisor_cm3_per_kg",
        "price",
        ParamType::Int,
        1_000,
        20_000,
    ),
    int(
        "price.pickup_fee_fen",
        "price",
        ParamType::Fen,
        0,
        1_000_000,
    ),
    int(
        "price.cod_three_day_ppm",
        "price",
        ParamType::Int,
        0,
        100_000,
    ),
    int(
        "price.cod_three_day_reduced_ppm",
        "price",
        ParamType::Int,
        0,
        100_000,
    ),
    int(
        "price.cod_three_day_reduced_from_fen",
        "price",
        ParamType::Fen,
        0,
        10_000_000_000,
    ),
    int(
        "price.cod_three_day_min_fen",
        "price",
        ParamType::Fen,
        0,
        1_000_000,
    ),
    int(
        "price.cod_three_day_max_fen",
        "price",
        ParamType::Fen,
        0,
        10_000_000,
    ),
    int(
        "price.cod_same_day_ppm",
        "price",
        ParamType::Int,
        0,
        100_000,
    ),
    int(
        "price.cod_same_day_min_fen",
        "price",
        ParamType::Fen,
        0,
        1_000_000,
    ),
    int(
        "price.cod_same_day_max_fen",
        "price",
        ParamType::Fen,
        0,
        10_000_000,
    ),
    int(
        "price.delivery_heavy_above_weight_g",
        "price",
        ParamType::Grams,
        0,
        100_000_000,
    ),
    int(
        "price.delivery_heavy_from_volume_cm3",
        "price",
        ParamType::Cm3,
        0,
        200_000_000,
    ),
    int(
        "price.delivery_heavy_fen",
        "price",
        ParamType::Fen,
        0,
        10_000_000,
    ),
    int(
        "price.delivery_base_max_weight_g",
        "price",
        ParamType::Grams,
        0,
        100_000_000,
    ),
    int(
        "price.delivery_base_fen",
        "price",
        ParamType::Fen,
        0,
        10_000_000,
    ),
    int(
        "price.delivery_fen_per_kg",
        "price",
        ParamType::Fen,
        0,
        100_000,
    ),
    ParamDef {
        key: "waybill.number_pattern",
        category: "waybill",
        ty: ParamType::Pattern,
        min: None,
        max: None,
        choices: &[],
    },
    ParamDef {
        key: "reasons.return",
        category: "reasons",
        ty: ParamType::Reasons,
        min: None,
        max: None,
        choices: &[],
    },
    ParamDef {
        key: "reasons.pickup_failed",
        category: "reasons",
        ty: ParamType::Reasons,
        min: None,
        max: None,
        choices: &[],
    },
    int("sync.interval_seconds", "sync", ParamType::Seconds, 1, 300),
    int("sync.page_size", "sync", ParamType::Int, 50, 1000),
    int(
        "sync.outlet_publish_delay_minutes",
        "sync",
        ParamType::Minutes,
        0,
        1440,
    ),
    ParamDef {
        key: "sync.public_base_url",
        category: "sync",
        ty: ParamType::Url,
        min: None,
        max: None,
        choices: &[],
    },
    int("print.font_size_pt", "print", ParamType::Int, 6, 24),
    int("print.label_copies", "print", ParamType::Int, 1, 5),
    ParamDef {
        key: "print.paper",
        category: "print",
        ty: ParamType::Choice,
        min: None,
        max: None,
        choices: &["a4", "a5", "label_100x150"],
    },
    // 阿里巴巴成交比 (SPEC 6): below this the ratio shows red.
    int(
        "report.conversion_target_percent",
        "report",
        ParamType::Int,
        0,
        100,
    ),
];

/// The definition for `key`.
pub fn def(key: &str) -> Option<&'static ParamDef> {
    DEFS.iter().find(|d| d.key == key)
}

/// A feedback reason (反馈原因).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reason {
    /// Stable code; never reused for another meaning.
    pub code: String,
    /// What the clerk reads (Chinese, the company's language).
    pub label: String,
    /// The English label; a reason without one reads in Chinese in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    /// Retired reasons stay known for history but are no longer offered.
    #[serde(default)]
    pub retired: bool,
    /// The clerk must write a note when choosing it (`other`).
    #[serde(default)]
    pub note_required: bool,
}

impl Reason {
    /// What the clerk reads in `lang`: the English label in English when
    /// there is one, else the Chinese.
    pub fn label_in(&self, lang: crate::i18n::Lang) -> &str {
        match (lang, self.label_en.as_deref()) {
            (crate::i18n::Lang::En, Some(en)) if !en.trim().is_empty() => en,
            _ => &self.label,
        }
    }
}

impl ParamDef {
    /// Checks `value` for this parameter. `old` is the current value, used
    /// to keep reason codes stable.
    pub fn validate(&self, value: &Value, old: Option<&Value>) -> Result<(), RuleError> {
        let bad = |code: &str| Err(RuleError::field("value", code));
        match self.ty {
            t if t.is_integer() => {
                let Some(n) = value.as_i64() else {
                    return bad("not_integer");
                };
                if self.min.is_some_and(|m| n < m) || self.max.is_some_and(|m| n > m) {
                    return bad("out_of_range");
                }
                Ok(())
            }
            ParamType::Url => match value.as_str() {
                Some(s) if is_http_url(s) => Ok(()),
                _ => bad("invalid_url"),
            },
            ParamType::Pattern => match value.as_str() {
                Some(s) if !s.is_empty() && s.len() <= 200 && regex::Regex::new(s).is_ok() => {
                    Ok(())
                }
                _ => bad("invalid_pattern"),
            },
            ParamType::Choice => match value.as_str() {
                Some(s) if self.choices.contains(&s) => Ok(()),
                _ => bad("invalid_choice"),
            },
            ParamType::Reasons => {
                let Ok(new) = serde_json::from_value::<Vec<Reason>>(value.clone()) else {
                    return bad("invalid_reasons");
                };
                check_reasons(
                    &new,
                    old.and_then(|o| serde_json::from_value(o.clone()).ok()),
                )
            }
            _ => bad("invalid_value"),
        }
    }
}

fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', ':']).next().unwrap_or("");
        !host.is_empty() && !r.contains(char::is_whitespace)
    })
}

fn check_reasons(new: &[Reason], old: Option<Vec<Reason>>) -> Result<(), RuleError> {
    let bad = |code: &str| Err(RuleError::field("value", code));
    if new.iter().filter(|r| !r.retired).count() == 0 {
        return bad("reasons_empty");
    }
    for (i, r) in new.iter().enumerate() {
        let code_ok = (1..=40).contains(&r.code.len())
            && r.code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !code_ok {
            return bad("invalid_code");
        }
        if r.label.trim().is_empty() {
            return bad("label_required");
        }
        if new[..i].iter().any(|x| x.code == r.code) {
            return bad("duplicate_reason_code");
        }
    }
    // A code once used must keep existing (retire it instead) so history
    // that refers to it still reads right.
    if let Some(old) = old
        && old.iter().any(|o| !new.iter().any(|n| n.code == o.code))
    {
        return bad("reason_code_removed");
    }
    Ok(())
}

/// The default value of every parameter, read from `config/default.toml`.
///
/// Fails only if the shipped file is broken, which the tests catch.
pub fn defaults() -> Result<Vec<(&'static str, Value)>, String> {
    let doc: toml::Table = DEFAULT_TOML.parse().map_err(|e| format!("{e}"))?;
    let table = doc
        .get("parameters")
        .and_then(toml::Value::as_table)
        .ok_or("config/default.toml has no [parameters]")?;
    DEFS.iter()
        .map(|d| {
            let v = table
                .get(d.key)
                .ok_or_else(|| format!("no default for {}", d.key))?;
            let json = serde_json::to_value(v).map_err(|e| e.to_string())?;
            d.validate(&json, None)
                .map_err(|e| format!("default for {} is invalid: {e}", d.key))?;
            Ok((d.key, json))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_default_is_valid_and_present() {
        let d = defaults().expect("defaults load");
        assert_eq!(d.len(), DEFS.len());
        let get = |k: &str| d.iter().find(|(key, _)| *key == k).map(|(_, v)| v.clone());
        assert_eq!(get("sla.call_window_minutes"), Some(json!(15)));
        assert_eq!(get("sla.overdue_minutes"), Some(json!(120)));
        assert_eq!(get("discount.service_fee_fen"), Some(json!(200)));
        assert_eq!(
            get("discount.free_pickup_min_weight_g"),
            Some(json!(500_000))
        );
    }

    #[test]
    fn every_category_exists() {
        for c in CATEGORIES {
            assert!(DEFS.iter().any(|d| d.category == c), "{c}");
        }
    }

    #[test]
    fn validation_table() {
        let overdue = def("sla.overdue_minutes").unwrap();
        let url = def("sync.public_base_url").unwrap();
        let paper = def("print.paper").unwrap();
        let reasons = def("reasons.return").unwrap();
        let r = |c: &str| json!({"code": c, "label": "x"});
        let cases: Vec<(&ParamDef, Value, Option<Value>, Option<&str>)> = vec![
            (overdue, json!(60), None, None),
            (overdue, json!(9), None, Some("out_of_range")),
            (overdue, json!(2881), None, Some("out_of_range")),
            (overdue, json!("60"), None, Some("not_integer")),
            (overdue, json!(1.5), None, Some("not_integer")),
            (url, json!("https://hub.example.cn:8443/x"), None, None),
            (url, json!("ftp://x"), None, Some("invalid_url")),
            (url, json!("http://"), None, Some("invalid_url")),
            (paper, json!("a4"), None, None),
            (paper, json!("letter"), None, Some("invalid_choice")),
            (reasons, json!([r("a")]), None, None),
            (reasons, json!([]), None, Some("reasons_empty")),
            (
                reasons,
                json!([r("a"), r("a")]),
                None,
                Some("duplicate_reason_code"),
            ),
            (
                reasons,
                json!([{"code": "a", "label": " "}]),
                None,
                Some("label_required"),
            ),
            (
                reasons,
                json!([r("b")]),
                Some(json!([r("a")])),
                Some("reason_code_removed"),
            ),
            (
                reasons,
                json!([{"code": "a", "label": "x", "retired": true}, r("b")]),
                Some(json!([r("a")])),
                None,
            ),
            (reasons, json!("nope"), None, Some("invalid_reasons")),
        ];
        for (d, v, old, want) in cases {
            let got = d.validate(&v, old.as_ref());
            match want {
                None => assert_eq!(got, Ok(()), "{} {v}", d.key),
                Some(code) => {
                    assert_eq!(got, Err(RuleError::field("value", code)), "{} {v}", d.key)
                }
            }
        }
    }
}

/// The parameters the client acts on, with defaults until the server's
/// values arrive.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientParams {
    pub call_window: chrono::Duration,
    pub overdue_after: chrono::Duration,
    pub alert_repeat: chrono::Duration,
    pub sync_interval: std::time::Duration,
    pub page_size: i64,
    pub return_reasons: Vec<Reason>,
    pub pickup_failed_reasons: Vec<Reason>,
}

impl ClientParams {
    /// The label of a return or failed-pickup reason code (retired ones
    /// included, for history); the code itself when it is unknown here.
    pub fn reason_label(&self, code: &str, lang: crate::i18n::Lang) -> String {
        self.return_reasons
            .iter()
            .chain(&self.pickup_failed_reasons)
            .find(|r| r.code == code)
            .map_or_else(|| code.to_owned(), |r| r.label_in(lang).to_owned())
    }

    /// From `(key, value)` pairs; a missing or bad value keeps the default.
    pub fn from_values<'a>(values: impl IntoIterator<Item = (&'a str, &'a Value)>) -> ClientParams {
        Self::overlay(ClientParams::default(), values)
    }

    fn overlay<'a>(
        mut p: ClientParams,
        values: impl IntoIterator<Item = (&'a str, &'a Value)>,
    ) -> ClientParams {
        for (key, v) in values {
            let int = v.as_i64();
            match (key, int) {
                ("sla.call_window_minutes", Some(n)) if n > 0 => {
                    p.call_window = chrono::Duration::minutes(n)
                }
                ("sla.overdue_minutes", Some(n)) if n > 0 => {
                    p.overdue_after = chrono::Duration::minutes(n)
                }
                ("sla.alert_repeat_minutes", Some(n)) if n >= 0 => {
                    p.alert_repeat = chrono::Duration::minutes(n)
                }
                ("sync.interval_seconds", Some(n)) if n > 0 => {
                    p.sync_interval = std::time::Duration::from_secs(n as u64)
                }
                ("sync.page_size", Some(n)) if n > 0 => p.page_size = n,
                ("reasons.return", _) => {
                    if let Ok(r) = serde_json::from_value(v.clone()) {
                        p.return_reasons = r;
                    }
                }
                ("reasons.pickup_failed", _) => {
                    if let Ok(r) = serde_json::from_value(v.clone()) {
                        p.pickup_failed_reasons = r;
                    }
                }
                _ => {}
            }
        }
        p
    }
}

impl Default for ClientParams {
    fn default() -> Self {
        let base = ClientParams {
            call_window: chrono::Duration::minutes(15),
            overdue_after: chrono::Duration::hours(2),
            alert_repeat: chrono::Duration::minutes(5),
            sync_interval: std::time::Duration::from_secs(5),
            page_size: 500,
            return_reasons: Vec::new(),
            pickup_failed_reasons: Vec::new(),
        };
        match defaults() {
            Ok(d) => ClientParams::overlay(base, d.iter().map(|(k, v)| (*k, v))),
            Err(_) => base,
        }
    }
}
