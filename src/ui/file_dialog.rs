//! The system's file dialog, for every screen that reads or writes a file
//! (价格方案, the report, exports, the print preview). rfd runs it on its
//! own thread; these futures only wait for it, so the GUI thread never
//! blocks.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What the file dialog gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chosen {
    /// The user picked this file.
    Path(PathBuf),
    /// The user closed the dialog.
    Cancelled,
    /// No dialog could open: the typed path is the way.
    Unavailable,
}

/// A "nothing picked" quicker than this came from a dialog that never
/// showed (the portal and zenity both missing): nobody closes one so fast.
/// rfd answers both cases with `None`.
const NO_DIALOG: Duration = Duration::from_millis(300);

/// Asks where to write a file.
pub async fn save(dialog: rfd::AsyncFileDialog) -> Chosen {
    let started = Instant::now();
    answer(started, dialog.save_file().await)
}

/// Asks which file to read.
pub async fn pick(dialog: rfd::AsyncFileDialog) -> Chosen {
    let started = Instant::now();
    answer(started, dialog.pick_file().await)
}

fn answer(started: Instant, handle: Option<rfd::FileHandle>) -> Chosen {
    match handle {
        Some(h) => Chosen::Path(h.path().to_path_buf()),
        None if started.elapsed() < NO_DIALOG => Chosen::Unavailable,
        None => Chosen::Cancelled,
    }
}
