//! 阿里巴巴成交比 (SPEC 6): what one order adds to the report, and the
//! report's period rules. Each order counts once, for one responsible
//! outlet; the hub adds these up per outlet and China day.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::order::{Order, Status};

/// The reason code of a return that is not a real order (SPEC 6).
pub const DUPLICATE: &str = "duplicate";
/// The longest period one report covers, in days.
pub const MAX_DAYS: i64 = 366;

/// The China (UTC+8) day of a moment: the report's day.
pub fn china_day(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(8)).date_naive()
}

/// What one order contributes to the report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    /// The China day it was placed.
    pub day: NaiveDate,
    /// The outlet that last held it (kept across a return to the pool).
    pub holder: String,
    /// The outlet it counts for ("" = the HQ pool).
    pub responsible: String,
    /// When billed by another outlet (代开): the outlet it would otherwise
    /// have counted for, which gets it as 被代开.
    pub billed_for: String,
    pub valid: bool,
    pub billed: bool,
    pub returned: bool,
    pub pickup_failed: bool,
    pub cancelled: bool,
    pub open: bool,
    /// The waybill's Ali discounts.
    pub ali_discount_fen: i64,
}

fn code(c: Option<&str>) -> &str {
    c.map(str::trim).unwrap_or_default()
}

impl Entry {
    /// What this entry adds (`sign` 1) to or takes (-1) from the day sums
    /// of the outlets it counts for, in the counters' column order (valid,
    /// billed, 代开, 被代开, returned, pickup failed, cancelled, open, Ali
    /// discount); 被代开 is always 0 here: it goes to the outlet billed
    /// for instead.
    pub fn sums(&self, sign: i64) -> [i64; 9] {
        let b = |v: bool| i64::from(v) * sign;
        [
            b(self.valid),
            b(self.billed),
            b(!self.billed_for.is_empty()),
            0,
            b(self.returned),
            b(self.pickup_failed),
            b(self.cancelled),
            b(self.open),
            self.ali_discount_fen * sign,
        ]
    }
}

/// The entry of `o`, given the outlet that held it before this write
/// (`previous_holder`, "" if none) and whether its current outlet is the
/// HQ pool (HQ, or a code that is not an outlet).
pub fn entry(o: &Order, previous_holder: &str, current_in_pool: bool) -> Entry {
    let current = code(o.current_outlet_code.as_deref());
    let in_pool = current.is_empty() || current_in_pool;
    // The pool holds nothing: an order there keeps the outlet it was at.
    let holder = if in_pool { previous_holder } else { current };
    let accepting = code(o.accepting_outlet_code.as_deref());
    let billing = code(o.billing_outlet_code.as_deref());
    // Billing, else accepting, else the last holder, else the pool.
    let owner = [accepting, holder]
        .into_iter()
        .find(|c| !c.is_empty())
        .unwrap_or_default();
    let billed = o.status == Status::Billed;
    let responsible = if billed && !billing.is_empty() {
        billing
    } else {
        owner
    };
    let billed_for = if billed && !billing.is_empty() && !owner.is_empty() && owner != billing {
        owner
    } else {
        ""
    };
    let duplicate = o.last_reason_code.as_deref() == Some(DUPLICATE)
        && (o.status == Status::Closed || (o.status == Status::Pending && in_pool));
    let cancelled = o.status == Status::Cancelled;
    let returned = o.status == Status::Pending && in_pool && !holder.is_empty();
    Entry {
        day: china_day(o.created_at),
        holder: holder.to_owned(),
        // Kept as the code (the HQ's too): the tree decides the pool's rows.
        responsible: responsible.to_owned(),
        billed_for: billed_for.to_owned(),
        valid: !cancelled && !duplicate,
        billed,
        returned,
        pickup_failed: o.status == Status::PickupFailed,
        cancelled,
        open: !returned && matches!(o.status, Status::Pending | Status::Accepted),
        ali_discount_fen: if billed {
            o.waybill.as_ref().map_or(0, |w| w.quote.discount_fen)
        } else {
            0
        },
    }
}

/// billed ÷ valid, none when nothing is valid.
pub fn ratio(billed: i64, valid: i64) -> Option<f64> {
    (valid > 0).then(|| billed as f64 / valid as f64)
}

/// Counts that add up and take away: one row of a report.
pub trait Counts: Clone {
    /// Adds `other`'s counts.
    fn add(&mut self, other: &Self);
    /// Takes `other`'s counts away.
    fn sub(&mut self, other: &Self);
    /// Whether every count is zero.
    fn is_empty(&self) -> bool;
}

/// What one row of an outlet's breakdown stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A child outlet's whole subtree.
    Child(String),
    /// The HQ pool (HQ's breakdown only).
    Pool,
    /// The orders the outlet holds itself, below none of its children.
    Own,
}

/// The rows of an outlet's report: each child's subtree, then the HQ pool
/// (when given), then the outlet's own orders when it holds any. The
/// counters are kept per subtree, so "own" is what the outlet's total
/// holds beyond its children and the pool; the rows sum exactly to `total`.
pub fn breakdown<C: Counts>(
    total: &C,
    children: Vec<(String, C)>,
    pool: Option<C>,
) -> Vec<(Part, C)> {
    let mut own = total.clone();
    let mut rows = Vec::with_capacity(children.len() + 2);
    for (code, c) in children {
        own.sub(&c);
        rows.push((Part::Child(code), c));
    }
    if let Some(p) = pool {
        own.sub(&p);
        rows.push((Part::Pool, p));
    }
    if !own.is_empty() {
        rows.push((Part::Own, own));
    }
    rows
}

/// A report period: both days inclusive, China time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Why a period is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("not a date (YYYY-MM-DD)")]
    NotADate,
    #[error("to is before from")]
    Reversed,
    #[error("longer than 366 days")]
    TooLong,
}

impl PeriodError {
    /// The API's error code.
    pub fn code(self) -> &'static str {
        match self {
            PeriodError::NotADate => "invalid_date",
            PeriodError::Reversed => "period_reversed",
            PeriodError::TooLong => "period_too_long",
        }
    }
}

impl Period {
    /// The period from the query's texts; a missing end is `today`.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Period, PeriodError> {
        let day = |s: Option<&str>| match s.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(today),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| PeriodError::NotADate),
        };
        let p = Period {
            from: day(from)?,
            to: day(to)?,
        };
        p.check().map(|()| p)
    }

    /// Checks the order and the length.
    pub fn check(&self) -> Result<(), PeriodError> {
        if self.to < self.from {
            return Err(PeriodError::Reversed);
        }
        if (self.to - self.from).num_days() + 1 > MAX_DAYS {
            return Err(PeriodError::TooLong);
        }
        Ok(())
    }

    /// The days, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let from = self.from;
        (0..=(self.to - self.from).num_days()).map(move |i| from + Duration::days(i))
    }
}

/// The period presets of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Today,
    Yesterday,
    ThisWeek,
    ThisMonth,
    LastMonth,
}

impl Preset {
    pub const ALL: [Preset; 5] = [
        Preset::Today,
        Preset::Yesterday,
        Preset::ThisWeek,
        Preset::ThisMonth,
        Preset::LastMonth,
    ];

    /// The preset's period on `today` (weeks start on Monday).
    pub fn period(self, today: NaiveDate) -> Period {
        use chrono::Datelike;
        let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
        let (from, to) = match self {
            Preset::Today => (today, today),
            Preset::Yesterday => {
                let y = today - Duration::days(1);
                (y, y)
            }
            Preset::ThisWeek => (
                today - Duration::days(i64::from(today.weekday().num_days_from_monday())),
                today,
            ),
            Preset::ThisMonth => (first_of(today), today),
            Preset::LastMonth => {
                let end = first_of(today) - Duration::days(1);
                (first_of(end), end)
            }
        };
        Period { from, to }
    }

    /// The i18n key of its label.
    pub fn key(self) -> &'static str {
        match self {
            Preset::Today => "report.preset.today",
            Preset::Yesterday => "report.preset.yesterday",
            Preset::ThisWeek => "report.preset.this_week",
            Preset::ThisMonth => "report.preset.this_month",
            Preset::LastMonth => "report.preset.last_month",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_entry_counts_with_its_sign() {
        let e = Entry {
            day: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
            holder: String::new(),
            responsible: "A1".into(),
            billed_for: "B1".into(),
            valid: true,
            billed: true,
            returned: false,
            pickup_failed: false,
            cancelled: false,
            open: false,
            ali_discount_fen: 250,
        };
        assert_eq!(e.sums(1), [1, 1, 1, 0, 0, 0, 0, 0, 250]);
        assert_eq!(e.sums(-1), [-1, -1, -1, 0, 0, 0, 0, 0, -250]);
    }

    fn order(status: Status) -> Order {
        let mut o = crate::domain::order::tests::sample("K1", Some("A1"));
        o.created_at = Utc.with_ymd_and_hms(2026, 3, 1, 17, 30, 0).unwrap();
        o.status = status;
        o
    }

    fn pool(o: &Order) -> bool {
        o.current_outlet_code.as_deref() == Some("HQ")
    }

    /// Two counts, enough to see the parts apart.
    #[derive(Debug, Clone, PartialEq)]
    struct Two(i64, i64);

    impl Counts for Two {
        fn add(&mut self, o: &Self) {
            self.0 += o.0;
            self.1 += o.1;
        }
        fn sub(&mut self, o: &Self) {
            self.0 -= o.0;
            self.1 -= o.1;
        }
        fn is_empty(&self) -> bool {
            self.0 == 0 && self.1 == 0
        }
    }

    fn summed(rows: &[(Part, Two)]) -> Two {
        rows.iter().fold(Two(0, 0), |mut s, (_, c)| {
            s.add(c);
            s
        })
    }

    #[test]
    fn the_outlets_own_orders_are_what_its_children_do_not_hold() {
        let total = Two(10, 4);
        let rows = breakdown(
            &total,
            vec![("A".into(), Two(6, 3)), ("B".into(), Two(1, 0))],
            None,
        );
        assert_eq!(
            rows,
            vec![
                (Part::Child("A".into()), Two(6, 3)),
                (Part::Child("B".into()), Two(1, 0)),
                (Part::Own, Two(3, 1)),
            ]
        );
        assert_eq!(summed(&rows), total);
    }

    #[test]
    fn the_pool_is_its_own_row_and_an_empty_own_row_is_left_out() {
        let total = Two(9, 5);
        let rows = breakdown(&total, vec![("A".into(), Two(7, 5))], Some(Two(2, 0)));
        assert_eq!(
            rows,
            vec![
                (Part::Child("A".into()), Two(7, 5)),
                (Part::Pool, Two(2, 0))
            ]
        );
        assert_eq!(summed(&rows), total);
        // A pool with nothing in it still shows (HQ always has one).
        let rows = breakdown(&Two(0, 0), Vec::new(), Some(Two(0, 0)));
        assert_eq!(rows, vec![(Part::Pool, Two(0, 0))]);
    }

    #[test]
    fn the_day_is_china_time() {
        // 17:30 UTC is 01:30 the next day in China.
        let e = entry(&order(Status::Pending), "", pool(&order(Status::Pending)));
        assert_eq!(e.day, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    }

    #[test]
    fn billing_else_accepting_else_holder_else_pool() {
        let mut o = order(Status::Billed);
        o.accepting_outlet_code = Some("A1".into());
        o.billing_outlet_code = Some("B1".into());
        let e = entry(&o, "", pool(&o));
        assert_eq!(
            (e.responsible.as_str(), e.billed_for.as_str()),
            ("B1", "A1")
        );
        assert!(e.valid && e.billed && !e.open);

        let mut o = order(Status::Accepted);
        o.accepting_outlet_code = Some("A1".into());
        o.current_outlet_code = Some("A2".into());
        let e = entry(&o, "", pool(&o));
        assert_eq!(e.responsible, "A1");
        assert!(e.open);

        // Returned: in the pool, counted against the outlet that held it.
        let mut o = order(Status::Pending);
        o.current_outlet_code = None;
        o.last_reason_code = Some("unreachable".into());
        let e = entry(&o, "A1", pool(&o));
        assert_eq!(e.responsible, "A1");
        assert!(e.valid && e.returned && !e.open);

        // Never held: the pool.
        let mut o = order(Status::Pending);
        o.current_outlet_code = Some("HQ".into());
        let e = entry(&o, "", pool(&o));
        assert_eq!(e.responsible, "", "the pool");
        assert!(!e.returned && e.open);
    }

    #[test]
    fn duplicates_and_cancels_are_not_valid() {
        let mut o = order(Status::Pending);
        o.current_outlet_code = None;
        o.last_reason_code = Some(DUPLICATE.into());
        let e = entry(&o, "A1", pool(&o));
        assert!(!e.valid && e.returned);
        // Reassigned later, it is a live order again.
        o.current_outlet_code = Some("A2".into());
        assert!(entry(&o, "A1", pool(&o)).valid);
        let e = entry(
            &order(Status::Cancelled),
            "",
            pool(&order(Status::Cancelled)),
        );
        assert!(!e.valid && e.cancelled && !e.open);
    }

    #[test]
    fn periods_are_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        let p = Period::parse(Some("2026-03-01"), Some("2026-03-15"), today).unwrap();
        assert_eq!(p.days().count(), 15);
        assert_eq!(
            Period::parse(Some("2026-03-16"), None, today),
            Err(PeriodError::Reversed)
        );
        assert_eq!(
            Period::parse(Some("2026-3-x"), None, today),
            Err(PeriodError::NotADate)
        );
        assert_eq!(
            Period::parse(Some("2025-03-14"), None, today),
            Err(PeriodError::TooLong)
        );
        assert!(Period::parse(Some("2025-03-15"), None, today).is_ok());
    }

    #[test]
    fn presets() {
        // A Sunday.
        let today = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(Preset::ThisWeek.period(today).from, d(3, 9));
        assert_eq!(
            Preset::LastMonth.period(today),
            Period {
                from: d(2, 1),
                to: d(2, 28)
            }
        );
        assert_eq!(Preset::Yesterday.period(today).to, d(3, 14));
    }
}
