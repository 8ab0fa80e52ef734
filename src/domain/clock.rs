//! The server's time as this PC knows it (RELIABILITY: never decide by
//! the PC's clock). At each pull the client keeps an anchor: the server's
//! time then, and the PC's clocks then. Later — also after a restart,
//! offline — "server now" is the anchor plus the time elapsed since, read
//! from the clock that counts since boot (suspend included), which a
//! change of the PC's date and time does not move. Only after a reboot is
//! the PC's wall clock all there is, and then the server time seen last
//! is still a floor.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// One reading of this PC's clocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcClock {
    /// Date and time as the PC has it (anyone may change it).
    pub wall: DateTime<Utc>,
    /// Time since boot, where the system offers it.
    pub boot: Option<BootClock>,
}

/// The clock that counts from boot, suspend included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootClock {
    /// Which boot (Linux's `boot_id`), where the system names it.
    pub boot_id: Option<String>,
    pub since_boot: std::time::Duration,
}

/// What is kept at each pull: the server's time then, and the PC's
/// clocks then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockAnchor {
    pub server: DateTime<Utc>,
    pub wall: DateTime<Utc>,
    #[serde(default)]
    pub boot_id: Option<String>,
    /// Milliseconds since boot at the pull.
    #[serde(default)]
    pub since_boot_ms: Option<u64>,
}

impl ClockAnchor {
    /// The anchor for a server time `server` read at PC reading `pc`.
    pub fn new(server: DateTime<Utc>, pc: &PcClock) -> Self {
        ClockAnchor {
            server,
            wall: pc.wall,
            boot_id: pc.boot.as_ref().and_then(|b| b.boot_id.clone()),
            since_boot_ms: pc.boot.as_ref().map(|b| b.since_boot.as_millis() as u64),
        }
    }

    /// Server time minus PC time at the anchor, in milliseconds.
    pub fn offset_ms(&self) -> i64 {
        (self.server - self.wall).num_milliseconds()
    }

    /// The server's time now, given this PC reading.
    pub fn server_now(&self, pc: &PcClock) -> DateTime<Utc> {
        if let Some(elapsed) = self.elapsed_in_same_boot(pc) {
            return self.server + elapsed;
        }
        // Another boot: the wall clock with the offset seen last, but
        // never before the server time already seen.
        (pc.wall + Duration::milliseconds(self.offset_ms())).max(self.server)
    }

    /// Time since the anchor by the boot clock, when `pc` is a reading of
    /// the same boot.
    fn elapsed_in_same_boot(&self, pc: &PcClock) -> Option<Duration> {
        let boot = pc.boot.as_ref()?;
        let then = std::time::Duration::from_millis(self.since_boot_ms?);
        let elapsed = boot.since_boot.checked_sub(then)?;
        let same = match (&self.boot_id, &boot.boot_id) {
            (Some(a), Some(b)) => a == b,
            // Unnamed boots: a reboot since the anchor would have begun
            // after it, by the wall clock; the boot seen now began before
            // it. (A forward change of the date larger than the uptime at
            // the anchor reads as a reboot: then the wall clock is used.)
            _ => {
                let boot_began = pc.wall - Duration::from_std(boot.since_boot).ok()?;
                boot_began < self.wall
            }
        };
        same.then(|| Duration::from_std(elapsed).ok()).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn pc(wall: &str, id: Option<&str>, up_s: u64) -> PcClock {
        PcClock {
            wall: at(wall),
            boot: Some(BootClock {
                boot_id: id.map(str::to_owned),
                since_boot: std::time::Duration::from_secs(up_s),
            }),
        }
    }

    /// The PC is 5 minutes slow; the anchor was taken at a pull.
    fn anchor(id: Option<&str>) -> ClockAnchor {
        ClockAnchor::new(
            at("2026-11-29T08:00:00Z"),
            &pc("2026-11-29T07:55:00Z", id, 3600),
        )
    }

    #[test]
    fn a_date_change_on_the_pc_does_not_move_server_time() {
        for id in [Some("boot-1"), None] {
            let a = anchor(id);
            // Ten minutes later the clerk sets the PC 72 h ahead, or back.
            for shift in [72, -72] {
                let wall = at("2026-11-29T08:05:00Z") + Duration::hours(shift);
                let later = PcClock {
                    wall,
                    ..pc("2026-11-29T08:05:00Z", id, 3600 + 600)
                };
                let mut right = at("2026-11-29T08:10:00Z");
                if id.is_none() && shift > 0 {
                    // Unnamed boot, date pushed further ahead than the
                    // uptime: reads as a reboot (the known limit).
                    right += Duration::hours(shift);
                }
                assert_eq!(a.server_now(&later), right, "shift {shift} h, {id:?}");
            }
        }
    }

    #[test]
    fn after_a_reboot_the_wall_clock_and_offset_are_used_never_going_back() {
        let a = anchor(Some("boot-1"));
        let next_day = pc("2026-11-30T07:55:00Z", Some("boot-2"), 120);
        assert_eq!(a.server_now(&next_day), at("2026-11-30T08:00:00Z"));
        // A reboot with the date set back a week: not before the anchor.
        let back = pc("2026-11-22T07:55:00Z", Some("boot-3"), 120);
        assert_eq!(a.server_now(&back), a.server);
        // Unnamed boots: the uptime fell, so it is another boot.
        let a = anchor(None);
        let rebooted = pc("2026-11-30T07:55:00Z", None, 120);
        assert_eq!(a.server_now(&rebooted), at("2026-11-30T08:00:00Z"));
    }

    #[test]
    fn without_a_boot_clock_the_offset_applies() {
        let a = ClockAnchor::new(
            at("2026-11-29T08:00:00Z"),
            &PcClock {
                wall: at("2026-11-29T07:55:00Z"),
                boot: None,
            },
        );
        let later = PcClock {
            wall: at("2026-11-29T09:55:00Z"),
            boot: None,
        };
        assert_eq!(a.server_now(&later), at("2026-11-29T10:00:00Z"));
        assert_eq!(a.offset_ms(), 300_000);
    }
}
