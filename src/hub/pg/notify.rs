//! How a write through one hub wakes long polls waiting on the others
//! (issue 15): the writing transaction runs
//! `SELECT pg_notify(CHANNEL, payload(&touched))` before it commits
//! (PostgreSQL delivers it only on commit, once), and every hub LISTENs on
//! [`CHANNEL`] on one dedicated connection and passes [`parse`]'s answer
//! to its own `wake::Wakes`.

use crate::hub::wake::Touched;

/// The channel every hub listens on.
pub const CHANNEL: &str = "order_hub_wake";

/// PostgreSQL refuses a payload of 8,000 bytes or more; a write touching
/// that many ancestors wakes everyone instead, which is only more waking.
const MAX_PAYLOAD: usize = 7900;

/// The notification for `t`: `*` when every view may have changed, else
/// the ancestors whose change log the write touched as a JSON array (the
/// pool's key is the empty string, so a plain list would lose it).
pub fn payload(t: &Touched) -> String {
    if t.everyone() {
        return "*".into();
    }
    let mut v: Vec<&str> = t.ancestors().map(String::as_str).collect();
    v.sort_unstable();
    let joined = serde_json::to_string(&v).unwrap_or_else(|_| "*".into());
    if joined.len() > MAX_PAYLOAD {
        "*".into()
    } else {
        joined
    }
}

/// What another hub's write touched, from its notification.
pub fn parse(payload: &str) -> Touched {
    if payload == "*" {
        return Touched::everyone_touched();
    }
    // Anything unreadable wakes everyone: waking too many only costs a
    // look, waking too few loses a change for up to a poll.
    match serde_json::from_str::<Vec<String>>(payload) {
        Ok(ancestors) => Touched::of(ancestors),
        Err(_) => Touched::everyone_touched(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::wake;

    #[test]
    fn a_notification_wakes_the_same_views_on_the_other_hub() {
        let ((), t) = wake::collect(|| wake::logged(&["B1".into(), "HQ".into(), String::new()]));
        let p = payload(&t);
        assert_eq!(p, r#"["","B1","HQ"]"#);
        let back = parse(&p);
        assert!(!back.everyone());
        let mut got: Vec<&String> = back.ancestors().collect();
        got.sort();
        assert_eq!(got, ["", "B1", "HQ"]);
        assert!(parse("not json").everyone(), "unreadable wakes everyone");
        let ((), net) = wake::collect(wake::network_changed);
        assert_eq!(payload(&net), "*");
        assert!(parse("*").everyone());
    }

    #[test]
    fn too_many_ancestors_for_one_notification_wake_everyone() {
        let many: Vec<String> = (0..2000).map(|i| format!("OUT{i:05}")).collect();
        let ((), t) = wake::collect(|| wake::logged(&many));
        assert_eq!(payload(&t), "*");
    }
}
