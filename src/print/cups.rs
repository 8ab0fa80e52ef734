//! Printing on Linux through CUPS's command-line tools (`lpstat`, `lp`,
//! and `ipptool` when installed): list the queues and their state, refuse
//! a stopped queue, send one job per batch with its media size, and follow
//! the job to its real end (completed, cancelled, aborted, or stopped in
//! the queue). Blocking: call from a worker thread, never from the GUI
//! thread.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::domain::print::Paper;

use super::spooler::{Job, SpoolError, Spooler};
pub use super::spooler::{Printer, PrinterState};

/// The errors CUPS gives are the spooler's.
pub type CupsError = SpoolError;

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
            // The tools speak English here (LC_ALL=C); the clerk gets the
            // message in their own language instead of lpstat's text.
            if err.contains("Scheduler is not running") {
                return Err(CupsError::NotRunning);
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

    /// Sends the PDF file `pdf` to `printer` as one job with the paper's
    /// media size; refuses a stopped (or unknown) queue before sending.
    /// Returns the job id.
    pub fn submit_file(
        &self,
        printer: &str,
        pdf: &Path,
        paper: Paper,
        title: &str,
    ) -> Result<String, CupsError> {
        super::spooler::check_ready(&self.printers()?, printer)?;
        let media = format!("media={}", paper.cups_media());
        let path = pdf.to_string_lossy();
        let out = self.run(
            "lp",
            &["-d", printer, "-o", &media, "-t", title, "--", &path],
        )?;
        parse_job_id(&out).ok_or(CupsError::Failed(out))
    }

    /// The jobs `lpstat -l` lists for `printer` (`which`: `not-completed`
    /// or `completed`).
    fn jobs(&self, printer: &str, which: &str) -> Result<Vec<JobLine>, CupsError> {
        Ok(parse_jobs(
            &self.run("lpstat", &["-l", "-W", which, "-o", printer])?,
        ))
    }

    /// The job's IPP `job-state` through `ipptool`, when that tool is
    /// installed (lpstat does not print it; its "Alerts" are the
    /// job-state-reasons, which CUPS does not always update at the end).
    fn job_state(&self, id: &str) -> Option<String> {
        let host = match &self.server {
            Some(s) => s.clone(),
            None => {
                let h = self.run("lpstat", &["-H"]).ok()?.trim().to_owned();
                // A local socket: cupsd listens on localhost too.
                if h.starts_with('/') || h.is_empty() {
                    "localhost".to_owned()
                } else {
                    h
                }
            }
        };
        let number = id.rsplit('-').next()?;
        let out = Command::new("ipptool")
            .env("LC_ALL", "C")
            .args(["-T", "10", "-tv"])
            .arg(format!("ipp://{host}/jobs/{number}"))
            .arg("get-job-attributes.test")
            .output()
            .ok()?;
        parse_job_state(&String::from_utf8_lossy(&out.stdout))
    }

    /// How job `id`, no longer in the queue, ended.
    fn ended(&self, printer: &str, id: &str) -> Result<(), CupsError> {
        let line = self
            .jobs(printer, "completed")?
            .into_iter()
            .find(|j| j.id == id);
        let (status, alerts) = line.map(|j| (j.status, j.alerts)).unwrap_or_default();
        let state = self.job_state(id).unwrap_or_else(|| {
            // Without ipptool: the reasons CUPS left on the job.
            if alerts.contains("canceled") {
                "canceled".into()
            } else if alerts.contains("aborted") || alerts.contains("with-errors") {
                "aborted".into()
            } else {
                "completed".into()
            }
        });
        match state.as_str() {
            "canceled" => Err(CupsError::Cancelled(id.to_owned())),
            "aborted" => Err(CupsError::Aborted {
                job: id.to_owned(),
                reason: status,
            }),
            _ => Ok(()),
        }
    }
}

impl Spooler for Cups {
    fn printers(&self) -> Result<Vec<Printer>, SpoolError> {
        Cups::printers(self)
    }

    fn submit(&self, printer: &str, job: &Job) -> Result<String, SpoolError> {
        let bytes = super::pdf::write(&job.pages, job.copies)
            .map_err(|e| SpoolError::Failed(e.to_string()))?;
        let file = TempPdf::write(&bytes)?;
        self.submit_file(printer, file.path(), job.paper, &job.title)
    }

    /// Polls the queue; a job the queue holds stopped (a filter failed, the
    /// printer stopped) is an end too: it would wait there for someone.
    fn follow(&self, printer: &str, id: &str, limit: Duration) -> Result<(), SpoolError> {
        let started = Instant::now();
        loop {
            let Some(job) = self
                .jobs(printer, "not-completed")?
                .into_iter()
                .find(|j| j.id == id)
            else {
                return self.ended(printer, id);
            };
            let stopped_job = job.alerts.contains("job-completed-with-errors")
                || job.alerts.contains("job-stopped");
            let stopped_printer = !stopped_job
                && self
                    .printers()?
                    .iter()
                    .any(|p| p.name == printer && p.state == PrinterState::Stopped);
            if stopped_job || stopped_printer {
                return Err(CupsError::JobStopped {
                    printer: printer.to_owned(),
                    job: id.to_owned(),
                    reason: job.status,
                });
            }
            if started.elapsed() > limit {
                return Err(CupsError::Timeout(id.to_owned()));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// A PDF file for `lp`, removed once the job is handed over (CUPS keeps
/// its own copy of a submitted file).
struct TempPdf(std::path::PathBuf);

impl TempPdf {
    fn write(bytes: &[u8]) -> Result<TempPdf, SpoolError> {
        let path = std::env::temp_dir().join(format!("outlet-desk-{}.pdf", uuid::Uuid::new_v4()));
        std::fs::write(&path, bytes)
            .map_err(|e| SpoolError::Failed(format!("{}: {e}", path.display())))?;
        Ok(TempPdf(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempPdf {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One job in `lpstat -l -o`: its id, its "Status:" and "Alerts:" lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobLine {
    pub id: String,
    pub status: String,
    pub alerts: String,
}

/// Reads `lpstat -l -o` (C locale): a line per job starting with its id,
/// then indented `Status: …`, `Alerts: …` and `queued for …` lines.
pub fn parse_jobs(out: &str) -> Vec<JobLine> {
    let mut jobs: Vec<JobLine> = Vec::new();
    for l in out.lines() {
        if !l.starts_with(char::is_whitespace) {
            if let Some(id) = l.split_whitespace().next() {
                jobs.push(JobLine {
                    id: id.to_owned(),
                    ..JobLine::default()
                });
            }
            continue;
        }
        let Some(job) = jobs.last_mut() else { continue };
        let l = l.trim();
        if let Some(s) = l.strip_prefix("Status:") {
            job.status = s.trim().to_owned();
        } else if let Some(a) = l.strip_prefix("Alerts:") {
            job.alerts = a.trim().to_owned();
        }
    }
    jobs
}

/// The `job-state` keyword in `ipptool -tv` output.
pub fn parse_job_state(out: &str) -> Option<String> {
    out.lines()
        .find_map(|l| l.trim().strip_prefix("job-state (enum) = "))
        .map(|s| s.trim().to_owned())
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
    fn lpstat_jobs_and_ipptool_states_are_read() {
        let out = "q-2                root              1024   Mon Nov 30 00:31:47 2026\n\
                   \tStatus: Filter failed\n\
                   \tAlerts: job-completed-with-errors\n\
                   \tqueued for q\n\
                   q-3                root              1024   Mon Nov 30 00:31:47 2026\n\
                   \tAlerts: job-canceled-by-user\n\
                   \tqueued for q\n";
        assert_eq!(
            parse_jobs(out),
            [
                JobLine {
                    id: "q-2".into(),
                    status: "Filter failed".into(),
                    alerts: "job-completed-with-errors".into()
                },
                JobLine {
                    id: "q-3".into(),
                    status: String::new(),
                    alerts: "job-canceled-by-user".into()
                }
            ]
        );
        let ipp = "        job-id (integer) = 5\n        job-state (enum) = aborted\n";
        assert_eq!(parse_job_state(ipp).as_deref(), Some("aborted"));
        assert_eq!(parse_job_state("FAIL"), None);
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
