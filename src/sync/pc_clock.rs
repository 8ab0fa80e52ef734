//! Reads this PC's clocks for [`crate::domain::clock`]: the wall clock,
//! and the clock that counts since boot with suspend included, which a
//! change of the PC's date does not move.

use crate::domain::clock::{BootClock, PcClock};

/// The PC's clocks now.
pub fn now() -> PcClock {
    PcClock {
        wall: chrono::Utc::now(),
        boot: boot_clock(),
    }
}

#[cfg(target_os = "linux")]
fn boot_clock() -> Option<BootClock> {
    static BOOT_ID: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let boot_id = BOOT_ID
        .get_or_init(|| {
            std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        })
        .clone();
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
    if rc != 0 {
        return None;
    }
    Some(BootClock {
        boot_id,
        since_boot: std::time::Duration::new(
            u64::try_from(ts.tv_sec).ok()?,
            u32::try_from(ts.tv_nsec).ok()?,
        ),
    })
}

#[cfg(windows)]
fn boot_clock() -> Option<BootClock> {
    // Milliseconds since boot, sleep and hibernation (so also a "shut
    // down" with Fast Startup) included.
    // SAFETY: takes no arguments and cannot fail.
    let ms = unsafe { windows_sys::Win32::System::SystemInformation::GetTickCount64() };
    Some(BootClock {
        boot_id: None,
        since_boot: std::time::Duration::from_millis(ms),
    })
}

#[cfg(not(any(target_os = "linux", windows)))]
fn boot_clock() -> Option<BootClock> {
    None
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(any(target_os = "linux", windows))]
    fn the_boot_clock_moves_forward() {
        let a = super::now().boot.expect("a boot clock here");
        std::thread::sleep(std::time::Duration::from_millis(20));
        let b = super::now().boot.expect("a boot clock here");
        assert!(b.since_boot > a.since_boot);
        assert_eq!(a.boot_id, b.boot_id);
    }
}
