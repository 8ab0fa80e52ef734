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

/// "14:05:09" in China time, for the status bar's clocks.
pub fn clock_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&cst()).format("%H:%M:%S").to_string()
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

/// How many stored units make one shown unit for a parameter type: fen
/// read as yuan, grams as kg, cm³ as m³, metres as km (SPEC 3.6 stores the
/// smallest unit; clerks think in the larger one).
pub fn param_scale(ty: crate::domain::params::ParamType) -> i64 {
    use crate::domain::params::ParamType as T;
    match ty {
        T::Fen => 100,
        T::Grams | T::Metres => 1000,
        T::Cm3 => 1_000_000,
        _ => 1,
    }
}

/// A stored integer parameter in its shown unit: 200 fen → "2", 250 fen →
/// "2.5", 3000000 cm³ → "3".
pub fn param_number(ty: crate::domain::params::ParamType, n: i64) -> String {
    let scale = param_scale(ty);
    if scale == 1 {
        return n.to_string();
    }
    let digits = scale.ilog10() as usize;
    let sign = if n < 0 { "-" } else { "" };
    let (whole, frac) = (n.abs() / scale, n.abs() % scale);
    let frac = format!("{frac:0digits$}");
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac}")
    }
}

/// Parses a number typed in the shown unit back into the stored integer;
/// the rule code of what is wrong otherwise (finer than the stored unit
/// counts as wrong: 0.001 yuan is not a whole fen).
pub fn parse_param_number(
    ty: crate::domain::params::ParamType,
    s: &str,
) -> Result<i64, &'static str> {
    let scale = param_scale(ty);
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = scale.ilog10() as usize;
    let all_digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty()
        || !all_digits(whole)
        || !all_digits(frac)
        || (scale == 1 && body.contains('.'))
    {
        return Err("not_integer");
    }
    if frac.len() > digits {
        return Err("too_precise");
    }
    let w: i64 = whole.parse().map_err(|_| "out_of_range")?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<digits$}")
            .parse()
            .map_err(|_| "not_integer")?
    };
    let n = w
        .checked_mul(scale)
        .and_then(|x| x.checked_add(f))
        .ok_or("out_of_range")?;
    Ok(if neg { -n } else { n })
}

/// Parses a typed quantity scaled by `scale`; the rule code (`rule.*`) of
/// what is wrong otherwise, so "-5" is told it must be more than 0 rather
/// than that it is not a number.
fn parse_amount(s: &str, scale: f64, zero_ok: bool) -> Result<i64, &'static str> {
    let v: f64 = s.trim().parse().map_err(|_| "not_a_number")?;
    if !v.is_finite() {
        return Err("not_a_number");
    }
    let scaled = (v * scale).round() as i64;
    match (zero_ok, scaled) {
        (false, n) if n <= 0 => Err("must_be_positive"),
        (true, n) if n < 0 => Err("must_not_be_negative"),
        (_, n) => Ok(n),
    }
}

/// Parses "12.5" (kg, more than 0) into grams.
pub fn parse_kg(s: &str) -> Result<i64, &'static str> {
    parse_amount(s, 1000.0, false)
}

/// Parses "0.35" (m³, 0 or more) into cm³.
pub fn parse_m3(s: &str) -> Result<i64, &'static str> {
    parse_amount(s, 1_000_000.0, true)
}

/// Parses a pickup time typed in China time; it must not be before `now`.
/// The `orders.*` key of what is wrong otherwise.
pub fn parse_pickup_time(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, &'static str> {
    let t = parse_cst(s).ok_or("orders.time_format")?;
    // The minute being typed still counts as now.
    if t + chrono::Duration::minutes(1) < now {
        return Err("orders.time_past");
    }
    Ok(t)
}

/// An example pickup time for the placeholder: tomorrow 09:30, China time.
pub fn pickup_example(now: DateTime<Utc>) -> String {
    let tomorrow = (now + chrono::Duration::days(1)).with_timezone(&cst());
    format!("{} 09:30", tomorrow.format("%Y-%m-%d"))
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
        assert_eq!(parse_kg("12.5"), Ok(12_500));
        assert_eq!(parse_kg("abc"), Err("not_a_number"));
        assert_eq!(parse_m3("0.35"), Ok(350_000));
        let t = parse_cst("2026-11-27 09:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-27T01:30:00+00:00");
        assert!(parse_cst("tomorrow").is_none());
    }

    #[test]
    fn parameters_read_in_the_unit_clerks_use() {
        use crate::domain::params::ParamType as T;
        // The figures: 200 分, 500000 克, 3000000 立方厘米, 20000 米.
        assert_eq!(param_number(T::Fen, 200), "2");
        assert_eq!(param_number(T::Fen, 250), "2.5");
        assert_eq!(param_number(T::Fen, 5), "0.05");
        assert_eq!(param_number(T::Grams, 500_000), "500");
        assert_eq!(param_number(T::Cm3, 3_000_000), "3");
        assert_eq!(param_number(T::Cm3, 2_500_000), "2.5");
        assert_eq!(param_number(T::Metres, 20_000), "20");
        assert_eq!(param_number(T::Minutes, 120), "120");
        assert_eq!(parse_param_number(T::Fen, "2"), Ok(200));
        assert_eq!(parse_param_number(T::Fen, "0.05"), Ok(5));
        assert_eq!(parse_param_number(T::Fen, "2.005"), Err("too_precise"));
        assert_eq!(parse_param_number(T::Grams, "500"), Ok(500_000));
        assert_eq!(parse_param_number(T::Cm3, "2.5"), Ok(2_500_000));
        assert_eq!(parse_param_number(T::Metres, " 20 "), Ok(20_000));
        assert_eq!(parse_param_number(T::Minutes, "1.5"), Err("not_integer"));
        assert_eq!(parse_param_number(T::Minutes, "abc"), Err("not_integer"));
        assert_eq!(parse_param_number(T::Minutes, "-5"), Ok(-5));
        for n in [0, 1, 99, 100, 123_456, 10_000_000_000] {
            for ty in [T::Fen, T::Grams, T::Cm3, T::Metres, T::Int] {
                assert_eq!(parse_param_number(ty, &param_number(ty, n)), Ok(n));
            }
        }
    }

    #[test]
    fn negative_amounts_are_told_their_bound_not_that_they_are_not_numbers() {
        assert_eq!(parse_kg("-5"), Err("must_be_positive"));
        assert_eq!(parse_kg("0"), Err("must_be_positive"));
        assert_eq!(parse_m3("0"), Ok(0));
        assert_eq!(parse_m3("-1"), Err("must_not_be_negative"));
    }

    #[test]
    fn pickup_times_in_the_past_are_refused_and_the_example_is_ahead() {
        let now = parse_cst("2026-11-29 20:00").unwrap();
        assert_eq!(
            parse_pickup_time("2026-11-28 09:30", now),
            Err("orders.time_past")
        );
        assert_eq!(parse_pickup_time("soon", now), Err("orders.time_format"));
        assert!(parse_pickup_time("2026-11-30 09:30", now).is_ok());
        let example = pickup_example(now);
        assert_eq!(example, "2026-11-30 09:30");
        assert!(parse_pickup_time(&example, now).is_ok());
    }

    #[test]
    fn status_clocks_read_china_time_like_the_orders() {
        let t = parse_cst("2026-11-29 20:05").unwrap();
        assert_eq!(clock_time(t), "20:05:00");
        assert_eq!(short_time(t), "11-29 20:05");
    }
}
