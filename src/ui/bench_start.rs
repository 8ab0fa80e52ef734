//! For the national bench's start figures: a hidden flag makes the client
//! exit at its first frame, printing its resident memory, and another does
//! the same for an empty iced window, the anchor those figures are
//! measured against in the same run.

use std::sync::atomic::{AtomicBool, Ordering};

static ARMED: AtomicBool = AtomicBool::new(false);

/// Makes the client exit at its first frame.
pub fn arm() {
    ARMED.store(true, Ordering::Relaxed);
}

/// Whether the client exits at its first frame.
pub fn armed() -> bool {
    ARMED.load(Ordering::Relaxed)
}

/// The line the bench reads: the process's resident memory now.
pub fn report() {
    println!("first-frame rss_kib={}", rss_kib());
}

/// An empty iced window that reports and exits at its first frame.
pub fn empty() -> iced::Result {
    iced::application(
        || (),
        |_: &mut (), _: std::time::Instant| {
            report();
            iced::exit()
        },
        view,
    )
    .subscription(|_| iced::window::frames())
    .run()
}

fn view(_: &()) -> iced::Element<'_, std::time::Instant, iced::Theme, iced::Renderer> {
    iced::widget::text("outlet-desk").into()
}

/// This process's resident memory (Linux; 0 elsewhere).
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
