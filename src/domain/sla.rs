//! Timing rules of a pending order (SPEC 3.1, 3.2): red after the overdue
//! threshold, a call countdown. Always measured on server time.

use chrono::{DateTime, Duration, Utc};

use super::order::{Order, Status};

/// The 15-minute call countdown's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// Nothing to count (not pending, or already contacted).
    Done,
    /// Time left, comfortably.
    Left(Duration),
    /// Less than five minutes left: amber.
    Urgent(Duration),
    /// The window has passed.
    Overdue(Duration),
}

/// How an order should look right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// How long it has waited since it was placed.
    pub waiting: Duration,
    /// Pending longer than the threshold: red.
    pub overdue: bool,
    pub call: Call,
}

/// The amber threshold of the countdown.
pub const URGENT: Duration = Duration::minutes(5);

/// Timing of `order` at server time `now`, with the SLA parameters.
pub fn timing(
    order: &Order,
    now: DateTime<Utc>,
    call_window: Duration,
    overdue_after: Duration,
) -> Timing {
    let waiting = (now - order.created_at).max(Duration::zero());
    let pending = order.status == Status::Pending;
    let call = if !pending || order.contacted_at.is_some() {
        Call::Done
    } else {
        let left = call_window - waiting;
        if left <= Duration::zero() {
            Call::Overdue(-left)
        } else if left < URGENT {
            Call::Urgent(left)
        } else {
            Call::Left(left)
        }
    };
    Timing {
        waiting,
        overdue: pending && waiting > overdue_after,
        call,
    }
}

/// "1:05:09" or "12:34" for a duration.
pub fn clock(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::sample;

    fn at(mins: i64) -> (Order, DateTime<Utc>) {
        let o = sample("1", Some("A"));
        let now = o.created_at + Duration::minutes(mins);
        (o, now)
    }

    #[test]
    fn countdown_and_red() {
        let w = Duration::minutes(15);
        let red = Duration::hours(2);
        let (o, now) = at(3);
        assert_eq!(
            timing(&o, now, w, red).call,
            Call::Left(Duration::minutes(12))
        );
        let (o, now) = at(11);
        assert_eq!(
            timing(&o, now, w, red).call,
            Call::Urgent(Duration::minutes(4))
        );
        let (o, now) = at(20);
        let t = timing(&o, now, w, red);
        assert_eq!(t.call, Call::Overdue(Duration::minutes(5)));
        assert!(!t.overdue);
        let (o, now) = at(121);
        assert!(timing(&o, now, w, red).overdue);
        // A one-hour threshold re-colours without anything else changing.
        let (o, now) = at(61);
        assert!(!timing(&o, now, w, red).overdue);
        assert!(timing(&o, now, w, Duration::hours(1)).overdue);
    }

    #[test]
    fn contacted_or_not_pending_stops_the_clock() {
        let (mut o, now) = at(30);
        o.contacted_at = Some(o.created_at);
        assert_eq!(
            timing(&o, now, Duration::minutes(15), Duration::hours(2)).call,
            Call::Done
        );
        let (mut o, now) = at(300);
        o.status = Status::Accepted;
        let t = timing(&o, now, Duration::minutes(15), Duration::hours(2));
        assert!(!t.overdue);
        assert_eq!(t.call, Call::Done);
    }

    #[test]
    fn a_clock_behind_the_order_counts_as_zero() {
        let (o, _) = at(0);
        let t = timing(
            &o,
            o.created_at - Duration::hours(5),
            Duration::minutes(15),
            Duration::hours(2),
        );
        assert_eq!(t.waiting, Duration::zero());
    }

    #[test]
    fn clock_format() {
        assert_eq!(clock(Duration::seconds(65)), "01:05");
        assert_eq!(clock(Duration::seconds(3 * 3600 + 7)), "3:00:07");
    }
}
