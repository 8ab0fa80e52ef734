//! The preview's printer panel: the printers and their state (刷新), the
//! chosen printer's calibration kept on this PC (校准: offsets and scale,
//! 打印校准页), and the words for how a job ended.

use std::time::Duration;

use iced::widget::{column, row, text};
use iced::{Alignment, Length, Task};

use crate::domain::calibration::{Adjust, Calibration, Calibrations};
use crate::domain::print::Paper;
use crate::i18n::{self, Lang};
use crate::print::calibration_page;
use crate::print::spooler::{self, Job, Printer, PrinterState, SpoolError};
use crate::store::Store;
use crate::ui::Element;
use crate::ui::theme::Tone;
use crate::ui::widget::{self, Choice};

/// How long a job is followed before the clerk is told to look.
pub const JOB_LIMIT: Duration = Duration::from_secs(300);

/// Printer panel messages.
#[derive(Debug, Clone)]
pub enum Message {
    /// 刷新: list the printers again.
    Refresh,
    Listed(Result<Vec<Printer>, SpoolError>),
    /// The calibrations kept on this PC, read at opening.
    Loaded(Calibrations),
    Select(String),
    /// One step of a calibration value, up (`true`) or down.
    Nudge(Adjust, bool),
    /// The chosen printer back to no correction.
    Reset,
    PrintCalibrationPage,
    CalibrationPrinted(Result<String, String>),
    /// A calibration was written to the cache (or could not be: said).
    Kept(Result<(), String>),
}

/// The printers and calibrations.
pub struct Panel {
    store: Store,
    printers: Option<Result<Vec<Printer>, SpoolError>>,
    selected: Option<String>,
    /// `None` until read from the cache: nothing is sent (and nothing
    /// changed) before, so a calibration is never skipped or overwritten.
    calibrations: Option<Calibrations>,
    listing: bool,
    busy: bool,
    notice: Option<(String, Tone)>,
}

impl Panel {
    /// The panel, and the work that lists the printers and reads the
    /// calibrations.
    pub fn open(store: &Store) -> (Panel, Task<Message>) {
        let panel = Panel {
            store: store.clone(),
            printers: None,
            selected: None,
            calibrations: None,
            listing: true,
            busy: false,
            notice: None,
        };
        let store = store.clone();
        let load = Task::perform(
            async move { store.run(|s| s.printer_calibrations()).await },
            |r| Message::Loaded(r.unwrap_or_default()),
        );
        (panel, Task::batch([list_printers(), load]))
    }

    /// The chosen printer, once its calibration is known.
    pub fn selected(&self) -> Option<&str> {
        self.calibrations.as_ref().and(self.selected.as_deref())
    }

    /// The calibration sending to `printer` applies.
    pub fn calibration(&self, printer: &str) -> Calibration {
        self.calibrations
            .as_ref()
            .map(|all| all.get(printer))
            .unwrap_or_default()
    }

    /// Handles a message; `paper` is the shown document's, for the
    /// calibration page.
    pub fn update(&mut self, message: Message, paper: Paper, lang: Lang) -> Task<Message> {
        match message {
            Message::Refresh => {
                self.listing = true;
                return list_printers();
            }
            Message::Listed(r) => {
                self.listing = false;
                if let Ok(list) = &r {
                    let known = |n: &String| list.iter().any(|p| &p.name == n);
                    let usable = |p: &&Printer| p.state != PrinterState::Stopped;
                    self.selected = self.selected.clone().filter(known).or_else(|| {
                        list.iter()
                            .find(usable)
                            .or(list.first())
                            .map(|p| p.name.clone())
                    });
                }
                self.printers = Some(r);
            }
            Message::Loaded(all) => self.calibrations = Some(all),
            Message::Select(name) => self.selected = Some(name),
            Message::Nudge(what, up) => {
                if let Some(p) = self.selected().map(str::to_owned) {
                    let c = self.calibration(&p).nudged(what, up);
                    return self.keep(&p, c);
                }
            }
            Message::Reset => {
                if let Some(p) = self.selected().map(str::to_owned) {
                    return self.keep(&p, Calibration::default());
                }
            }
            Message::PrintCalibrationPage => return self.print_calibration_page(paper, lang),
            Message::CalibrationPrinted(r) => {
                self.busy = false;
                self.notice = Some(match r {
                    Ok(s) => (s, Tone::Success),
                    Err(e) => (e, Tone::Danger),
                });
            }
            Message::Kept(Ok(())) => {}
            Message::Kept(Err(e)) => self.notice = Some((e, Tone::Danger)),
        }
        Task::none()
    }

    fn keep(&mut self, printer: &str, c: Calibration) -> Task<Message> {
        let Some(all) = self.calibrations.as_mut() else {
            return Task::none();
        };
        all.set(printer, c);
        let all = all.clone();
        let store = self.store.clone();
        Task::perform(
            async move {
                store
                    .run(move |s| s.save_printer_calibrations(&all))
                    .await
                    .map_err(|e| e.to_string())
            },
            Message::Kept,
        )
    }

    fn print_calibration_page(&mut self, paper: Paper, lang: Lang) -> Task<Message> {
        let Some(printer) = self.selected().map(str::to_owned) else {
            return Task::none();
        };
        let page = calibration_page::page(paper.size_mm(), lang);
        let title = i18n::t(lang, "printer.cal_page.title");
        let job = Job::new(&title, paper, 1, &[page], &self.calibration(&printer));
        self.busy = true;
        Task::perform(
            async move {
                let shown = printer.clone();
                let done = send(printer, job).await;
                done.map(|id| {
                    i18n::tf(
                        lang,
                        "printer.cal_sent",
                        &[("printer", &shown), ("job", &id)],
                    )
                })
                .map_err(|e| spool_message(lang, &e))
            },
            Message::CalibrationPrinted,
        )
    }

    /// The printer section: list with state, 刷新, and 校准.
    pub fn view(&self, lang: Lang, sending: bool) -> Element<'_, Message> {
        let t = |k: &str| i18n::t(lang, k);
        let head = row![
            text(t("print.printer")).size(14).width(Length::Fill),
            widget::secondary(
                t("printer.refresh"),
                (!self.listing).then_some(Message::Refresh)
            ),
        ]
        .align_y(Alignment::Center);
        let mut col = column![head].spacing(6);
        let list: &[Printer] = match &self.printers {
            Some(Ok(list)) => list,
            _ => &[],
        };
        if self.listing {
            col = col.push(widget::muted(t("printer.listing")).size(12));
        } else if let Some(Err(e)) = &self.printers {
            col = col.push(widget::error_line(i18n::tf(
                lang,
                "printer.list_failed",
                &[("error", &spool_message(lang, e))],
            )));
        }
        if list.is_empty() {
            // A failed listing already said why and offered the PDF.
            let failed = matches!(self.printers, Some(Err(_)));
            if !self.listing && !failed {
                col = col.push(widget::muted(t("print.no_printer")).size(12));
            }
            return col.into();
        }
        let choices: Vec<Choice<String>> = list
            .iter()
            .map(|p| Choice {
                value: p.name.clone(),
                label: format!("{} ({})", p.name, t(p.state.label_key())),
            })
            .collect();
        let chosen = choices
            .iter()
            .find(|c| Some(&c.value) == self.selected.as_ref())
            .cloned();
        col = col.push(widget::focus::choose(
            choices,
            chosen,
            |c: Choice<String>| Message::Select(c.value),
        ));
        let Some(name) = self.selected.as_deref() else {
            return col.into();
        };
        if let Some(p) = list.iter().find(|p| p.name == name) {
            let state = i18n::tf(lang, "printer.state", &[("state", &t(p.state.label_key()))]);
            col = col.push(if p.state == PrinterState::Stopped {
                widget::banner(text(state).size(12), Tone::Warning)
            } else {
                widget::muted(state).size(12).into()
            });
        }
        let c = self.calibration(name);
        let ready = self.calibrations.is_some();
        let step = |label: String, value: String, keys: [&str; 2], what: Adjust| {
            row![
                text(label).size(13).width(Length::Fill),
                widget::secondary(t(keys[0]), ready.then_some(Message::Nudge(what, false))),
                text(value).size(13).width(52).align_x(Alignment::Center),
                widget::secondary(t(keys[1]), ready.then_some(Message::Nudge(what, true))),
            ]
            .spacing(4)
            .align_y(Alignment::Center)
        };
        col = col
            .push(text(t("printer.calibration")).size(14))
            .push(widget::muted(t("printer.calibration_hint")).size(11))
            .push(step(
                t("printer.offset_x"),
                format!("{:+.1} mm", c.offset_x_mm),
                ["printer.left", "printer.right"],
                Adjust::OffsetX,
            ))
            .push(step(
                t("printer.offset_y"),
                format!("{:+.1} mm", c.offset_y_mm),
                ["printer.up", "printer.down"],
                Adjust::OffsetY,
            ))
            .push(step(
                t("printer.scale"),
                format!("{:.1}%", c.scale_percent),
                ["printer.shrink", "printer.grow"],
                Adjust::Scale,
            ))
            .push(
                row![
                    widget::secondary(
                        t("printer.cal_print"),
                        (ready && !self.busy && !sending).then_some(Message::PrintCalibrationPage)
                    ),
                    widget::secondary(
                        t("printer.reset"),
                        (ready && !c.is_identity()).then_some(Message::Reset)
                    ),
                ]
                .spacing(6)
                .wrap(),
            );
        if let Some((msg, tone)) = &self.notice {
            col = col.push(widget::banner(text(msg.as_str()).size(12), *tone));
        }
        col.into()
    }
}

/// Sends `job` to `printer` on a worker thread and follows it to its end.
pub async fn send(printer: String, job: Job) -> Result<String, SpoolError> {
    tokio::task::spawn_blocking(move || spooler::system().print(&printer, &job, JOB_LIMIT))
        .await
        .map_err(|e| SpoolError::Failed(e.to_string()))
        .and_then(|r| r)
}

fn list_printers() -> Task<Message> {
    Task::perform(
        async {
            tokio::task::spawn_blocking(|| spooler::system().printers())
                .await
                .map_err(|e| SpoolError::Failed(e.to_string()))
                .and_then(|r| r)
        },
        Message::Listed,
    )
}

/// The user's words for how a job that did not complete ended; each says
/// the batch is still here.
pub fn spool_message(lang: Lang, e: &SpoolError) -> String {
    let reason = |r: &str| {
        if r.trim().is_empty() {
            i18n::t(lang, "printer.no_reason")
        } else {
            r.trim().to_owned()
        }
    };
    match e {
        SpoolError::Stopped(p) => i18n::tf(lang, "print.stopped", &[("printer", p)]),
        SpoolError::Missing => i18n::t(lang, "printer.missing"),
        SpoolError::NotRunning => i18n::t(lang, "printer.not_running"),
        SpoolError::JobStopped {
            printer,
            job,
            reason: r,
        } => i18n::tf(
            lang,
            "printer.job_stopped",
            &[("printer", printer), ("job", job), ("reason", &reason(r))],
        ),
        SpoolError::Aborted { job, reason: r } => i18n::tf(
            lang,
            "printer.aborted",
            &[("job", job), ("reason", &reason(r))],
        ),
        SpoolError::Cancelled(job) => i18n::tf(lang, "printer.cancelled", &[("job", job)]),
        SpoolError::Timeout(job) => i18n::tf(lang, "printer.timeout", &[("job", job)]),
        other => i18n::tf(lang, "print.failed", &[("error", &other.to_string())]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_sent_or_changed_before_the_calibrations_are_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = Store::open(&dir.path().join("c.db")).expect("open");
        let (mut panel, _) = Panel::open(&store);
        let paper = Paper::Label100x150;
        let list = vec![
            Printer {
                name: "停了".into(),
                state: PrinterState::Stopped,
            },
            Printer {
                name: "标签机".into(),
                state: PrinterState::Idle,
            },
        ];
        let _ = panel.update(Message::Listed(Ok(list)), paper, Lang::ZhCn);
        assert_eq!(panel.selected(), None, "not before the calibrations");
        let _ = panel.update(Message::Nudge(Adjust::OffsetX, true), paper, Lang::ZhCn);
        let mut kept = Calibrations::default();
        kept.set(
            "标签机",
            Calibration::default().nudged(Adjust::Scale, false),
        );
        let _ = panel.update(Message::Loaded(kept), paper, Lang::ZhCn);
        assert_eq!(panel.selected(), Some("标签机"), "a working printer first");
        let before = panel.calibration("标签机");
        assert_eq!((before.offset_x_mm, before.scale_percent), (0.0, 99.5));
        let _ = panel.update(Message::Nudge(Adjust::OffsetX, true), paper, Lang::ZhCn);
        assert_eq!(panel.calibration("标签机").offset_x_mm, 0.5);
        assert_eq!(panel.calibration("停了"), Calibration::default());
    }
}
