//! How numbers and times read on screen: units from the stored integers
//! (grams, cm³, fen) and China Standard Time, which clerks read on every
//! clock; and back again from what a clerk types.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// China Standard Time: what clerks read on every clock.
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC offset"))
}

/// "11-26 14:05" in China time.
pub fn short_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&cst()).format("%m-%d %H:%M").to_string()
}

/// kg with up to two decimals, from grams.
pub fn kg(g: i64) -> String {
    format!("{:.2}", g as f64 / 1000.0)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_owned()
}

/// m³ with up to three decimals, from cm³.
pub fn m3(cm3: i64) -> String {
    let s = format!("{:.3}", cm3 as f64 / 1_000_000.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_owned()
    }
}

/// ¥ with two decimals, from fen.
pub fn yuan(fen: i64) -> String {
    format!("¥{}.{:02}", fen / 100, (fen % 100).abs())
}

/// Parses "12.5" (kg) into grams.
pub fn parse_kg(s: &str) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| (v * 1000.0).round() as i64)
}

/// Parses "0.35" (m³) into cm³.
pub fn parse_m3(s: &str) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| (v * 1_000_000.0).round() as i64)
}

/// Parses "2026-11-27 09:30" (China time).
pub fn parse_cst(s: &str) -> Option<DateTime<Utc>> {
    let n = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M").ok()?;
    cst()
        .from_local_datetime(&n)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(kg(12_500), "12.5");
        assert_eq!(kg(1_000), "1");
        assert_eq!(m3(350_000), "0.35");
        assert_eq!(m3(0), "0");
        assert_eq!(yuan(150_050), "¥1500.50");
        assert_eq!(parse_kg("12.5"), Some(12_500));
        assert_eq!(parse_kg("-1"), None);
        assert_eq!(parse_kg("abc"), None);
        assert_eq!(parse_m3("0.35"), Some(350_000));
        let t = parse_cst("2026-11-27 09:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-27T01:30:00+00:00");
        assert!(parse_cst("tomorrow").is_none());
    }
}
