//! Messages shown over a screen: a success notice fades after a few
//! seconds; a warning or error stays until the user closes it or its cause
//! is gone. They float over the page's foot, so the page never moves under
//! the pointer when one appears.

use std::time::{Duration, Instant};

use crate::ui::theme::Tone;

/// How long a success notice stays.
pub const FADE_AFTER: Duration = Duration::from_secs(5);

/// One message on a screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// What happened, naming the thing it happened to.
    pub text: String,
    pub tone: Tone,
    at: Instant,
}

impl Notice {
    /// A notice shown from now.
    pub fn new(text: impl Into<String>, tone: Tone) -> Self {
        Notice {
            text: text.into(),
            tone,
            at: Instant::now(),
        }
    }

    /// Whether it has had its time: only success (and info) notices fade;
    /// a warning or an error waits to be read.
    pub fn faded(&self, now: Instant) -> bool {
        matches!(self.tone, Tone::Success | Tone::Info) && now.duration_since(self.at) >= FADE_AFTER
    }

    /// Whether the user must close it (it does not fade).
    pub fn closable(&self) -> bool {
        !matches!(self.tone, Tone::Success | Tone::Info)
    }
}

/// Drops `notice` once it has faded.
pub fn fade(notice: &mut Option<Notice>, now: Instant) {
    if notice.as_ref().is_some_and(|n| n.faded(now)) {
        *notice = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_fades_errors_stay() {
        let now = Instant::now();
        let later = now + FADE_AFTER + Duration::from_millis(1);
        let mut ok = Some(Notice::new("已停用", Tone::Success));
        let mut bad = Some(Notice::new("未保存", Tone::Danger));
        let mut warn = Some(Notice::new("注意", Tone::Warning));
        fade(&mut ok, now);
        assert!(ok.is_some(), "not before its time");
        for n in [&mut ok, &mut bad, &mut warn] {
            fade(n, later);
        }
        assert_eq!(ok, None);
        assert!(bad.is_some_and(|n| n.closable()));
        assert!(warn.is_some());
    }
}
