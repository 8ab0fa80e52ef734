//! Every user-facing string, in zh-CN and en.
//!
//! Used by the client's screens and by order-hub for error messages, so it
//! lives outside `ui`. A key missing from a table renders as the key itself,
//! which the tests look for.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

mod en;
mod en_export;
mod en_print;
mod en_printer;
mod en_report;
mod en_template;
mod en_waybill;
mod zh;
mod zh_export;
mod zh_print;
mod zh_printer;
mod zh_report;
mod zh_template;
mod zh_waybill;

/// Every (key, text) of `lang`: the main table, then those of 开单, 报表, export, 打印 and print templates.
fn entries(lang: Lang) -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    match lang {
        Lang::ZhCn => zh::TABLE
            .iter()
            .chain(zh_waybill::TABLE.iter())
            .chain(zh_report::TABLE.iter())
            .chain(zh_export::TABLE.iter())
            .chain(zh_print::TABLE.iter())
            .chain(zh_printer::TABLE.iter())
            .chain(zh_template::TABLE.iter()),
        Lang::En => en::TABLE
            .iter()
            .chain(en_waybill::TABLE.iter())
            .chain(en_report::TABLE.iter())
            .chain(en_export::TABLE.iter())
            .chain(en_print::TABLE.iter())
            .chain(en_printer::TABLE.iter())
            .chain(en_template::TABLE.iter()),
    }
}

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Both languages, in menu order.
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag sent as `Accept-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Picks a language from an `Accept-Language` header: the first `en*`
    /// or `zh*` wins; anything else is zh-CN.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        for part in header.unwrap_or("").split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("en") {
                return Lang::En;
            }
            if tag.starts_with("zh") {
                return Lang::ZhCn;
            }
        }
        Lang::ZhCn
    }

    /// Parses a settings-file value.
    pub fn parse(s: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(s))
    }
}

fn table(lang: Lang) -> &'static HashMap<&'static str, &'static str> {
    static ZH: OnceLock<HashMap<&str, &str>> = OnceLock::new();
    static EN: OnceLock<HashMap<&str, &str>> = OnceLock::new();
    match lang {
        Lang::ZhCn => ZH.get_or_init(|| entries(Lang::ZhCn).copied().collect()),
        Lang::En => EN.get_or_init(|| entries(Lang::En).copied().collect()),
    }
}

/// The text for `key`, or the key itself when it is missing.
pub fn t(lang: Lang, key: &str) -> String {
    table(lang)
        .get(key)
        .map_or_else(|| key.to_owned(), |s| (*s).to_owned())
}

/// Whether `key` exists (in zh-CN, the reference table).
pub fn has(key: &str) -> bool {
    table(Lang::ZhCn).contains_key(key)
}

/// The text for `key` with `{name}` placeholders filled from `args`.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key);
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// The message for a rule code on a field, e.g. `rule.required`.
pub fn rule(lang: Lang, code: &str) -> String {
    t(lang, &format!("rule.{code}"))
}

/// "2 个下级网点（A、B）、1 名员工（x）" — what blocks a deletion.
pub fn describe_attached(lang: Lang, a: &crate::domain::outlet::Attached) -> String {
    let list = |v: &[String]| {
        let shown: Vec<&str> = v.iter().take(5).map(String::as_str).collect();
        let more = if v.len() > 5 { "…" } else { "" };
        format!("{}{more}", shown.join(", "))
    };
    let mut parts = Vec::new();
    if !a.sub_outlets.is_empty() {
        let n = a.sub_outlets.len().to_string();
        parts.push(tf(
            lang,
            "attached.sub_outlets",
            &[("n", &n), ("list", &list(&a.sub_outlets))],
        ));
    }
    if !a.staff.is_empty() {
        let n = a.staff.len().to_string();
        parts.push(tf(
            lang,
            "attached.staff",
            &[("n", &n), ("list", &list(&a.staff))],
        ));
    }
    if a.open_orders > 0 {
        let n = a.open_orders.to_string();
        parts.push(tf(lang, "attached.open_orders", &[("n", &n)]));
    }
    parts.join(&t(lang, "list.separator"))
}

/// Every rule code the domain and the hub emit on a field.
pub const RULE_CODES: &[&str] = &[
    "required",
    "too_long",
    "invalid_code",
    "invalid_phone",
    "invalid_login",
    "out_of_range",
    "parent_required",
    "parent_missing",
    "hq_has_no_parent",
    "hq_exists",
    "hq_must_stay",
    "cycle",
    "duplicate_sibling_name",
    "duplicate_code",
    "duplicate_login",
    "not_found",
    "password_too_short",
    "unknown_outlet",
    "last_admin",
    "not_integer",
    "too_precise",
    "invalid_url",
    "invalid_choice",
    "invalid_reasons",
    "reasons_empty",
    "label_required",
    "duplicate_reason_code",
    "reason_code_removed",
    "invalid_value",
    "not_a_number",
    "unknown_reason",
    "note_required",
    "unknown_product",
    "declared_value_required",
    "invalid_waybill_no",
    "waybill_no_taken",
    "no_rate",
    "via_only_partner",
    "negative_price",
    "first_tier_not_zero",
    "tiers_not_ascending",
    "before_from",
    "overlapping_line",
    "invalid_pattern",
    "invalid_date",
    "duplicate_field",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn both_tables_have_the_same_keys_once() {
        for (name, lang) in [("zh", Lang::ZhCn), ("en", Lang::En)] {
            let mut seen = HashSet::new();
            for (k, v) in entries(lang) {
                assert!(seen.insert(*k), "{name}: duplicate key {k}");
                assert!(!v.trim().is_empty(), "{name}: empty text for {k}");
            }
        }
        let zh: HashSet<_> = entries(Lang::ZhCn).map(|(k, _)| *k).collect();
        let en: HashSet<_> = entries(Lang::En).map(|(k, _)| *k).collect();
        let mut only_zh: Vec<_> = zh.difference(&en).collect();
        let mut only_en: Vec<_> = en.difference(&zh).collect();
        only_zh.sort();
        only_en.sort();
        assert!(only_zh.is_empty(), "missing in en: {only_zh:?}");
        assert!(only_en.is_empty(), "missing in zh: {only_en:?}");
    }

    #[test]
    fn accept_language() {
        assert_eq!(Lang::from_accept_language(None), Lang::ZhCn);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("fr, en;q=0.5")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("zh-CN")), Lang::ZhCn);
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::ZhCn);
    }

    #[test]
    fn placeholders_fill() {
        assert_eq!(tf(Lang::En, "no.such.key", &[]), "no.such.key");
        let s = tf(Lang::En, "err.outlet_in_use", &[("what", "X")]);
        assert!(s.contains('X'), "{s}");
    }

    #[test]
    fn every_rule_code_the_domain_uses_has_text() {
        // Codes the domain and hub can emit; keep in step with them.
        for code in crate::i18n::RULE_CODES {
            for lang in Lang::ALL {
                let s = rule(lang, code);
                assert!(!s.starts_with("rule."), "{lang:?} {code}");
            }
        }
    }
}
