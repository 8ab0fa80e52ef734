//! What the preview needs from a printing system, whichever it is: CUPS on
//! Linux (`cups.rs`), the Windows spooler (`windows.rs`). List the printers
//! and their state, send a batch as one job, follow it to its real end.
//! Blocking: call from a worker thread, never from the GUI thread.

use std::time::Duration;

use super::page::Page;
use crate::domain::calibration::Calibration;
use crate::domain::print::Paper;

/// A printer (a CUPS queue, a Windows printer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printer {
    pub name: String,
    pub state: PrinterState,
}

/// What a printer is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterState {
    Idle,
    Printing,
    /// Disabled, paused, out of paper, in error: jobs would only queue up.
    Stopped,
}

impl PrinterState {
    /// Key of its name in the i18n tables.
    pub fn label_key(self) -> &'static str {
        match self {
            PrinterState::Idle => "print.state.idle",
            PrinterState::Printing => "print.state.printing",
            PrinterState::Stopped => "print.state.stopped",
        }
    }
}

/// Why a batch did not print. The batch itself is never dropped: the
/// caller keeps the pages and offers the PDF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpoolError {
    /// No printing system here (no CUPS tools; no spooler).
    #[error("no printing system found")]
    Missing,
    /// The printing system is installed but its service (the CUPS
    /// scheduler) is not running.
    #[error("the printing service is not running")]
    NotRunning,
    /// The printer is stopped; nothing was sent.
    #[error("printer {0} is stopped")]
    Stopped(String),
    #[error("no printer named {0}")]
    Unknown(String),
    /// The job was sent but stopped in the queue (the printer stopped, or
    /// the job failed and is held); it waits there until someone acts.
    #[error("job {job} stopped on {printer}: {reason}")]
    JobStopped {
        printer: String,
        job: String,
        reason: String,
    },
    /// The printing system gave the job up.
    #[error("job {job} aborted: {reason}")]
    Aborted { job: String, reason: String },
    /// Someone cancelled the job.
    #[error("job {0} cancelled")]
    Cancelled(String),
    /// The system's own message.
    #[error("{0}")]
    Failed(String),
    #[error("job {0} did not finish in time")]
    Timeout(String),
}

/// One batch as it goes to a printer: the pages already carry that
/// printer's calibration.
#[derive(Debug, Clone)]
pub struct Job {
    pub title: String,
    pub paper: Paper,
    pub copies: u32,
    pub pages: Vec<Page>,
}

impl Job {
    /// The batch `pages` for a printer calibrated with `calibration`.
    pub fn new(
        title: &str,
        paper: Paper,
        copies: u32,
        pages: &[Page],
        calibration: &Calibration,
    ) -> Job {
        Job {
            title: title.to_owned(),
            paper,
            copies: copies.max(1),
            pages: pages.iter().map(|p| p.calibrated(calibration)).collect(),
        }
    }

    /// Sheets it prints.
    pub fn sheets(&self) -> usize {
        self.pages.len() * self.copies as usize
    }
}

/// Refuses a printer that is not in `list`, or is stopped, before
/// anything is sent to it.
pub fn check_ready(list: &[Printer], printer: &str) -> Result<(), SpoolError> {
    match list.iter().find(|p| p.name == printer) {
        None => Err(SpoolError::Unknown(printer.to_owned())),
        Some(p) if p.state == PrinterState::Stopped => Err(SpoolError::Stopped(printer.to_owned())),
        Some(_) => Ok(()),
    }
}

/// A printing system.
pub trait Spooler: Send + Sync {
    /// Every printer and its state.
    fn printers(&self) -> Result<Vec<Printer>, SpoolError>;

    /// Sends `job` to `printer` as one job, refusing a stopped or unknown
    /// printer before anything is sent. Returns the job's id.
    fn submit(&self, printer: &str, job: &Job) -> Result<String, SpoolError>;

    /// Follows job `id` until it ends: `Ok` when it completed, else how it
    /// ended (aborted, cancelled, stopped in the queue) or `Timeout`.
    fn follow(&self, printer: &str, id: &str, limit: Duration) -> Result<(), SpoolError>;

    /// Submits and follows; the job's id once it completed.
    fn print(&self, printer: &str, job: &Job, limit: Duration) -> Result<String, SpoolError> {
        let id = self.submit(printer, job)?;
        self.follow(printer, &id, limit)?;
        Ok(id)
    }
}

/// This computer's printing system.
pub fn system() -> Box<dyn Spooler> {
    #[cfg(windows)]
    {
        Box::new(super::windows::WindowsSpooler)
    }
    #[cfg(not(windows))]
    {
        Box::new(super::cups::Cups::default())
    }
}
