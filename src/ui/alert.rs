//! New-order alerts: a desktop notification and an optional short chime,
//! repeated every few minutes (a parameter) while orders wait for a first
//! call — the manual's 15-minute rule made hard to miss.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Decides when to alert; pure, so it is tested without a desktop.
#[derive(Debug, Clone, Default)]
pub struct Alerter {
    last_count: i64,
    last_alert: Option<Instant>,
}

impl Alerter {
    /// Whether to alert now, given the orders waiting for a first call.
    /// New arrivals alert at once; a standing backlog alerts again every
    /// `repeat` (zero = never).
    pub fn should_alert(&mut self, waiting: i64, repeat: Duration, now: Instant) -> bool {
        let grew = waiting > self.last_count;
        self.last_count = waiting;
        let due = waiting > 0
            && !repeat.is_zero()
            && self
                .last_alert
                .is_none_or(|t| now.duration_since(t) >= repeat);
        if grew || due {
            self.last_alert = Some(now);
            true
        } else {
            false
        }
    }
}

/// A short two-note chime as a WAV file (16-bit mono, 16 kHz), made in
/// code so nothing has to be shipped or fetched.
pub fn chime_wav() -> Vec<u8> {
    let rate = 16_000u32;
    let notes = [(880.0f32, 0.14f32), (1318.5, 0.22)];
    let mut samples: Vec<i16> = Vec::new();
    for (freq, secs) in notes {
        let n = (rate as f32 * secs) as usize;
        for i in 0..n {
            let t = i as f32 / rate as f32;
            let fade = (1.0 - i as f32 / n as f32).powi(2);
            let v = (t * freq * std::f32::consts::TAU).sin() * fade * 0.45;
            samples.push((v * f32::from(i16::MAX)) as i16);
        }
    }
    let data_len = (samples.len() * 2) as u32;
    let mut w = Vec::with_capacity(44 + data_len as usize);
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + data_len).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes()); // PCM
    w.extend_from_slice(&1u16.to_le_bytes()); // mono
    w.extend_from_slice(&rate.to_le_bytes());
    w.extend_from_slice(&(rate * 2).to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        w.extend_from_slice(&s.to_le_bytes());
    }
    w
}

fn chime_file(data_dir: &Path) -> Option<PathBuf> {
    let path = data_dir.join("new-order.wav");
    if !path.exists() {
        std::fs::write(&path, chime_wav()).ok()?;
    }
    Some(path)
}

/// Plays the chime without waiting for it. Best effort: a PC without
/// sound just stays quiet.
pub fn play_chime(data_dir: &Path) {
    let Some(path) = chime_file(data_dir) else {
        return;
    };
    #[cfg(windows)]
    {
        use std::os::windows::ffi::OsStrExt;
        use windows_sys::Win32::Media::Audio::{
            PlaySoundW, SND_ASYNC, SND_FILENAME, SND_NODEFAULT,
        };
        let wide: Vec<u16> = path
            .as_os_str()
            .encode_wide()
            .chain(std::iter::once(0))
            .collect();
        // SAFETY: a NUL-terminated path; SND_ASYNC copies what it needs.
        unsafe {
            PlaySoundW(
                wide.as_ptr(),
                std::ptr::null_mut(),
                SND_FILENAME | SND_ASYNC | SND_NODEFAULT,
            );
        }
    }
    #[cfg(not(windows))]
    {
        for player in ["paplay", "pw-play", "aplay"] {
            if std::process::Command::new(player)
                .arg(&path)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .is_ok()
            {
                return;
            }
        }
    }
}

/// Shows a desktop notification. Best effort: without a notification
/// service the in-window banner, badge and tray count still say it.
pub fn notify(title: &str, body: &str) {
    let shown = notify_rust::Notification::new()
        .summary(title)
        .body(body)
        .appname("outlet-desk")
        .show();
    if let Err(e) = shown {
        tracing::debug!("desktop notification: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_on_arrivals_and_repeats_a_standing_backlog() {
        let mut a = Alerter::default();
        let t0 = Instant::now();
        let five = Duration::from_secs(300);
        assert!(!a.should_alert(0, five, t0), "nothing waiting");
        assert!(a.should_alert(2, five, t0), "new orders");
        assert!(
            !a.should_alert(2, five, t0 + Duration::from_secs(60)),
            "same backlog, too soon"
        );
        assert!(
            a.should_alert(3, five, t0 + Duration::from_secs(61)),
            "another arrival"
        );
        assert!(
            a.should_alert(3, five, t0 + Duration::from_secs(61 + 300)),
            "repeat after 5 min"
        );
        assert!(
            !a.should_alert(1, five, t0 + Duration::from_secs(400)),
            "fewer waiting: no new alert yet"
        );
        assert!(
            !a.should_alert(0, five, t0 + Duration::from_secs(2000)),
            "nothing waiting"
        );
        let mut b = Alerter::default();
        assert!(b.should_alert(1, Duration::ZERO, t0));
        assert!(
            !b.should_alert(1, Duration::ZERO, t0 + Duration::from_secs(9999)),
            "0 = never repeat"
        );
    }

    #[test]
    fn chime_is_a_valid_wav() {
        let w = chime_wav();
        assert_eq!(&w[0..4], b"RIFF");
        assert_eq!(&w[8..12], b"WAVE");
        let data_len = u32::from_le_bytes([w[40], w[41], w[42], w[43]]) as usize;
        assert_eq!(w.len(), 44 + data_len);
        assert!(data_len > 8000, "about a third of a second");
    }
}
