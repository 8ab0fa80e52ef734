//! Printing on Linux through CUPS's command-line tools (`lpstat`, `lp`):
//! list the queues and their state, refuse a stopped queue, send one job
//! per batch with its media size, and follow the job until it is done.
//! Blocking: call from a worker thread, never from the GUI thread.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::domain::print::Paper;

/// A print queue as `lpstat -p` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printer {
    pub name: String,
    pub state: PrinterState,
}

/// What a queue is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterState {
    Idle,
    Printing,
    /// Disabled (paused, out of paper, an error): jobs would only queue up.
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
pub enum CupsError {
    /// `lp`/`lpstat` are not installed (e.g. Windows, or no CUPS).
    #[error("CUPS command-line tools not found")]
    Missing,
    /// The queue is stopped; nothing was sent.
    #[error("printer {0} is stopped")]
    Stopped(String),
    #[error("no printer named {0}")]
    Unknown(String),
    /// A CUPS tool failed; its own message.
    #[error("{0}")]
    Failed(String),
    #[error("job {0} did not finish in time")]
    Timeout(String),
}

/// The CUPS server to talk to: the default one, or `host:port` (tests run
/// a private cupsd).
#[derive(Debug, Clone, Default)]
pub struct Cups {
    pub server: Option<String>,
}

impl Cups {
    fn command(&self, tool: &str) -> Command {
        let mut c = Command::new(tool);
        if let Some(server) = &self.server {
            c.arg("-h").arg(server);
        }
        // Messages are parsed: keep them in English whatever the locale.
        c.env("LC_ALL", "C").env("LANG", "C");
        c
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<String, CupsError> {
        let out = self.command(tool).args(args).output().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                CupsError::Missing
            } else {
                CupsError::Failed(format!("{tool}: {e}"))
            }
        })?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() {
            Ok(stdout)
        } else {
            let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
            // "lpstat -p" with no printers exits 1 with "No destinations added."
            if err.contains("No destinations") {
                return Ok(String::new());
            }
            Err(CupsError::Failed(if err.is_empty() { stdout } else { err }))
        }
    }

    /// Every queue and its state.
    pub fn printers(&self) -> Result<Vec<Printer>, CupsError> {
        Ok(parse_printers(&self.run("lpstat", &["-p"])?))
    }

    /// The default queue, if one is set.
    pub fn default_printer(&self) -> Option<String> {
        let out = self.run("lpstat", &["-d"]).ok()?;
        out.lines()
            .find_map(|l| l.strip_prefix("system default destination:"))
            .map(|s| s.trim().to_owned())
    }

    /// Sends `pdf` to `printer` as one job with the paper's media size;
    /// refuses a stopped (or unknown) queue before sending. Returns the
    /// job id.
    pub fn submit(
        &self,
        printer: &str,
        pdf: &Path,
        paper: Paper,
        title: &str,
    ) -> Result<String, CupsError> {
        let state = self
            .printers()?
            .into_iter()
            .find(|p| p.name == printer)
            .ok_or_else(|| CupsError::Unknown(printer.to_owned()))?
            .state;
        if state == PrinterState::Stopped {
            return Err(CupsError::Stopped(printer.to_owned()));
        }
        let media = format!("media={}", paper.cups_media());
        let path = pdf.to_string_lossy();
        let out = self.run(
            "lp",
            &["-d", printer, "-o", &media, "-t", title, "--", &path],
        )?;
        parse_job_id(&out).ok_or(CupsError::Failed(out))
    }

    /// Whether `job` is still waiting or printing.
    pub fn job_pending(&self, printer: &str, job: &str) -> Result<bool, CupsError> {
        let out = self.run("lpstat", &["-W", "not-completed", "-o", printer])?;
        Ok(out
            .lines()
            .any(|l| l.split_whitespace().next() == Some(job)))
    }

    /// Follows `job` until it leaves the queue; a queue that stops while
    /// the job waits is a failure (the job would sit there).
    pub fn wait(&self, printer: &str, job: &str, limit: Duration) -> Result<(), CupsError> {
        let started = Instant::now();
        loop {
            if !self.job_pending(printer, job)? {
                return Ok(());
            }
            let stopped = self
                .printers()?
                .iter()
                .any(|p| p.name == printer && p.state == PrinterState::Stopped);
            if stopped {
                return Err(CupsError::Stopped(printer.to_owned()));
            }
            if started.elapsed() > limit {
                return Err(CupsError::Timeout(job.to_owned()));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// Reads `lpstat -p` (C locale):
/// `printer NAME is idle.  enabled since …`,
/// `printer NAME now printing NAME-3.  enabled since …`,
/// `printer NAME disabled since … -` followed by an indented reason.
pub fn parse_printers(out: &str) -> Vec<Printer> {
    out.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("printer ")?;
            let (name, state) = rest.split_once(' ')?;
            let state = if state.starts_with("disabled") {
                PrinterState::Stopped
            } else if state.starts_with("now printing") {
                PrinterState::Printing
            } else {
                PrinterState::Idle
            };
            Some(Printer {
                name: name.to_owned(),
                state,
            })
        })
        .collect()
}

/// The job id from `lp`'s `request id is NAME-12 (1 file(s))`.
pub fn parse_job_id(out: &str) -> Option<String> {
    out.split("request id is ")
        .nth(1)?
        .split_whitespace()
        .next()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lpstat_states_are_read() {
        let out = "printer A is idle.  enabled since Sun Nov 29 21:17:06 2026\n\
                   printer B now printing B-3.  enabled since Sun Nov 29 21:17:06 2026\n\
                   printer C disabled since Sun Nov 29 21:17:06 2026 -\n\
                   \tPaused\n";
        let p = parse_printers(out);
        assert_eq!(
            p.iter()
                .map(|p| (p.name.as_str(), p.state))
                .collect::<Vec<_>>(),
            [
                ("A", PrinterState::Idle),
                ("B", PrinterState::Printing),
                ("C", PrinterState::Stopped)
            ]
        );
    }

    #[test]
    fn lp_job_id_is_read() {
        assert_eq!(
            parse_job_id("request id is outletdesk-pdf-12 (1 file(s))\n").as_deref(),
            Some("outletdesk-pdf-12")
        );
        assert_eq!(parse_job_id("lp: error"), None);
    }
}
