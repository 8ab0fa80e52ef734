//! How long a login waits after failed passwords: the hub per login name
//! and address, the client for its offline view. One schedule for both,
//! so guessing at the PC is no cheaper than guessing at the hub.

use std::time::Duration;

/// Failures allowed before any wait: a clerk mistyping twice or thrice
/// never notices the throttle.
pub const FREE_FAILURES: u32 = 4;

/// The wait after `count` failures in a row: none for the first few, then
/// 1 s, 2 s, 4 s … doubling per failure, never above `cap` (an attacker
/// can hold a clerk off for at most `cap` at a time).
pub fn wait_after(count: u32, cap: Duration) -> Duration {
    if count <= FREE_FAILURES {
        return Duration::ZERO;
    }
    let exp = (count - FREE_FAILURES - 1).min(16);
    Duration::from_secs(1u64 << exp).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_tries_then_doubling_up_to_the_cap() {
        let cap = Duration::from_secs(60);
        let waits: Vec<u64> = (1..=13).map(|n| wait_after(n, cap).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(wait_after(u32::MAX, cap), cap);
    }
}
