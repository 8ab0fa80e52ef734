//! 打印预览: the real pages of the chosen document for the selected orders,
//! page by page with zoom; the layout options beside them (fields and
//! their order, font size, paper, copies, privacy) redraw the pages at
//! once; 另存为PDF and 打印 (CUPS or the Windows spooler, through the
//! printer panel's calibration) from the same pages.

mod printer;
mod template;
mod view;

pub use template::{Published, publish};

use std::path::PathBuf;
use std::time::{Duration, Instant};

use iced::Task;

use crate::domain::Order;
use crate::domain::print::{
    Document, FONT_SIZE_RANGE, Field, Layout, MAX_COPIES, Paper, PrintSetup,
};
use crate::i18n::{self, Lang};
use crate::print::page::Page;
use crate::print::spooler::Job;
use crate::print::{documents, pdf};
use crate::store::Store;
use crate::ui::file_dialog::Chosen;
use crate::ui::theme::Tone;

/// Preview messages.
#[derive(Debug, Clone)]
pub enum Message {
    Document(Document),
    Paper(Paper),
    /// Font size up (`true`) or down by one point.
    FontSize(bool),
    Copies(bool),
    Privacy(bool),
    ToggleField(Field),
    /// Move a field up (`true`) or down.
    MoveField(Field, bool),
    PrevPage,
    NextPage,
    /// Zoom in (`true`) or out.
    Zoom(bool),
    /// The save path typed.
    Path(String),
    SavePdf,
    Chosen(Chosen),
    Saved(Result<String, String>),
    /// The printer panel (printers, 刷新, 校准).
    Printer(printer::Message),
    Print,
    Printed(Result<String, String>),
    /// 恢复网络默认: drop this PC's layout of the shown document.
    ResetToNetwork,
    /// 保存为网络默认 (administrators).
    SaveAsNetwork,
    /// The hub's answer to 保存为网络默认.
    Published(Published),
    /// The sync fetched the network's templates anew: this PC's setup as
    /// now cached.
    NetworkTemplates(Box<PrintSetup>),
    Close,
}

/// What the preview asks of the screen that opened it.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Keep these adjustments on this PC (the documents not named print
    /// with the network's templates).
    SaveLayouts(Vec<Layout>),
    /// Make `layout` its document's network template, seen at `version`;
    /// answer with [`Message::Published`] (see [`publish`]).
    Publish {
        layout: Layout,
        version: i64,
    },
    /// The batch went out (PDF saved or job done): record `printed`.
    Printed {
        document: Document,
        copies: u32,
        orders: Vec<String>,
    },
    Close,
}

/// The preview of one batch.
pub struct Preview {
    orders: Vec<Order>,
    setup: PrintSetup,
    /// May publish the shown layout as the network's template (admin).
    publisher: bool,
    /// 保存为网络默认 is waiting for the hub.
    publishing: bool,
    document: Document,
    pages: Vec<Page>,
    page: usize,
    zoom: f32,
    lang: Lang,
    now: chrono::DateTime<chrono::Utc>,
    path: String,
    panel: printer::Panel,
    busy: bool,
    /// The last print did not complete: the PDF is offered beside the
    /// message.
    offer_pdf: bool,
    notice: Option<(String, Tone)>,
    /// How long the last layout pass took (shown for the ≤ 300 ms goal).
    pub built_in: Duration,
}

/// Zoom steps: screen pixels per millimetre.
const ZOOMS: [f32; 6] = [1.5, 2.0, 2.5, 3.0, 4.0, 5.0];
const DEFAULT_ZOOM: f32 = 3.0;

impl Preview {
    /// A preview of `orders` with the layouts this PC prints with, and
    /// the task that lists the printers and reads their calibrations from
    /// `store`; a `publisher` (administrator) may make the shown layout
    /// the network's template.
    pub fn open(
        orders: Vec<Order>,
        setup: PrintSetup,
        document: Document,
        lang: Lang,
        now: chrono::DateTime<chrono::Utc>,
        publisher: bool,
        store: &Store,
    ) -> (Preview, Task<Message>) {
        let (panel, panel_task) = printer::Panel::open(store);
        let mut p = Preview {
            orders,
            setup,
            publisher,
            publishing: false,
            document,
            pages: Vec::new(),
            page: 0,
            zoom: DEFAULT_ZOOM,
            lang,
            now,
            path: String::new(),
            panel,
            busy: false,
            offer_pdf: false,
            notice: None,
            built_in: Duration::ZERO,
        };
        p.rebuild();
        (p, panel_task.map(Message::Printer))
    }

    /// The layout of the shown document: this PC's, else the network's.
    pub fn layout(&self) -> Layout {
        self.setup.layout(self.document)
    }

    /// Changes the shown document's layout on this PC.
    fn adjust(&mut self, f: impl FnOnce(&mut Layout)) {
        self.setup.adjust(self.document, f);
    }

    /// The pages shown, printed and saved.
    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    fn rebuild(&mut self) {
        let started = Instant::now();
        self.pages = documents::build(&self.orders, &self.layout(), self.lang, self.now);
        self.built_in = started.elapsed();
        self.page = self.page.min(self.pages.len().saturating_sub(1));
    }

    /// Handles a message; returns the work and what the screen must do.
    pub fn update(&mut self, message: Message) -> (Task<Message>, Option<Event>) {
        let lang = self.lang;
        let t = move |k: &str| i18n::t(lang, k);
        let mut changed = true;
        match message {
            Message::Document(d) => {
                self.document = d;
                self.page = 0;
                changed = false;
                // "Printed" / "saved" spoke of the other document; a
                // failure stays, since its PDF offer still holds the batch.
                if matches!(&self.notice, Some((_, Tone::Success | Tone::Info))) && !self.busy {
                    self.notice = None;
                }
                self.rebuild();
            }
            Message::Paper(p) => self.adjust(|l| l.paper = p),
            Message::FontSize(up) => self.adjust(|l| {
                let next = l.font_size_pt + if up { 1.0 } else { -1.0 };
                l.font_size_pt = next.clamp(FONT_SIZE_RANGE.0, FONT_SIZE_RANGE.1);
            }),
            Message::Copies(up) => self.adjust(|l| {
                l.copies = if up {
                    l.copies + 1
                } else {
                    l.copies.saturating_sub(1)
                }
                .clamp(1, MAX_COPIES);
            }),
            Message::Privacy(on) => self.adjust(|l| l.privacy = on),
            Message::ToggleField(f) => self.adjust(|l| l.toggle(f)),
            Message::MoveField(f, up) => self.adjust(|l| l.move_field(f, up)),
            Message::ResetToNetwork => self.setup.reset(self.document),
            Message::SaveAsNetwork => return (Task::none(), self.start_publish()),
            Message::Published(answer) => self.published(answer),
            Message::NetworkTemplates(fresh) => {
                self.network_refreshed(&fresh);
                return (Task::none(), None);
            }
            other => {
                return (self.act(other, &t), None);
            }
        }
        if !changed {
            return (Task::none(), None);
        }
        self.rebuild();
        (
            Task::none(),
            Some(Event::SaveLayouts(self.setup.local.clone())),
        )
    }

    /// Everything that is not a layout change.
    fn act(&mut self, message: Message, t: &dyn Fn(&str) -> String) -> Task<Message> {
        match message {
            Message::PrevPage => self.page = self.page.saturating_sub(1),
            Message::NextPage => {
                self.page = (self.page + 1).min(self.pages.len().saturating_sub(1))
            }
            Message::Zoom(up) => {
                let i = ZOOMS.iter().position(|z| *z >= self.zoom).unwrap_or(2);
                let j = if up {
                    (i + 1).min(ZOOMS.len() - 1)
                } else {
                    i.saturating_sub(1)
                };
                self.zoom = ZOOMS[j];
            }
            Message::Path(p) => self.path = p,
            Message::SavePdf => {
                let typed = self.path.trim();
                if !typed.is_empty() {
                    return self.save_to(PathBuf::from(typed));
                }
                let name = format!(
                    "{}.pdf",
                    t(&format!("print.doc.{}", self.document.as_str()))
                );
                return Task::perform(save_as(t("print.save_pdf"), name), Message::Chosen);
            }
            Message::Chosen(Chosen::Path(p)) => return self.save_to(p),
            Message::Chosen(Chosen::Cancelled) => {}
            Message::Chosen(Chosen::Unavailable) => {
                self.notice = Some((t("rates.no_dialog"), Tone::Warning));
            }
            Message::Saved(r) | Message::Printed(r) => {
                self.busy = false;
                self.offer_pdf = r.is_err();
                self.notice = Some(match r {
                    Ok(s) => (s, Tone::Success),
                    Err(e) => (e, Tone::Danger),
                });
            }
            Message::Printer(m) => {
                let paper = self.layout().paper;
                return self.panel.update(m, paper, self.lang).map(Message::Printer);
            }
            Message::Print => return self.print(),
            // Handled by `update` and the screen.
            _ => {}
        }
        Task::none()
    }

    /// Whether `message` ends with the batch recorded as printed.
    pub fn done(&self, message: &Message) -> Option<Event> {
        match message {
            Message::Saved(Ok(_)) | Message::Printed(Ok(_)) => Some(Event::Printed {
                document: self.document,
                copies: self.layout().copies,
                orders: self.orders.iter().map(|o| o.order_no.clone()).collect(),
            }),
            Message::Close => Some(Event::Close),
            _ => None,
        }
    }

    /// The batch's PDF, about to go out: the preview is busy until the
    /// answer; a PDF that cannot be made is said and nothing starts.
    fn start_output(&mut self) -> Option<Vec<u8>> {
        match pdf::write(&self.pages, self.layout().copies) {
            Ok(bytes) => {
                self.busy = true;
                Some(bytes)
            }
            Err(e) => {
                let text = i18n::tf(self.lang, "print.pdf_error", &[("error", &e.to_string())]);
                self.notice = Some((text, Tone::Danger));
                None
            }
        }
    }

    fn save_to(&mut self, path: PathBuf) -> Task<Message> {
        let Some(bytes) = self.start_output() else {
            return Task::none();
        };
        let lang = self.lang;
        Task::perform(
            async move {
                let shown = path.display().to_string();
                tokio::task::spawn_blocking(move || write_whole(&path, &bytes))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r)
                    .map(|()| i18n::tf(lang, "print.saved", &[("path", &shown)]))
                    .map_err(|e| i18n::tf(lang, "print.save_failed", &[("error", &e)]))
            },
            Message::Saved,
        )
    }

    /// One job for the whole batch on the chosen printer, with that
    /// printer's calibration, followed to its end; the pages stay here
    /// whatever happens, so 另存为PDF is always left.
    fn print(&mut self) -> Task<Message> {
        let Some(printer) = self.panel.selected().map(str::to_owned) else {
            self.notice = Some((i18n::t(self.lang, "print.no_printer"), Tone::Warning));
            return Task::none();
        };
        let lang = self.lang;
        let layout = self.layout();
        let title = i18n::t(lang, &format!("print.doc.{}", self.document.as_str()));
        let job = Job::new(
            &title,
            layout.paper,
            layout.copies,
            &self.pages,
            &self.panel.calibration(&printer),
        );
        let sheets = job.sheets().to_string();
        self.busy = true;
        self.notice = Some((
            i18n::tf(lang, "printer.following", &[("printer", &printer)]),
            Tone::Info,
        ));
        Task::perform(
            async move {
                let shown = printer.clone();
                printer::send(printer, job)
                    .await
                    .map(|id| {
                        i18n::tf(
                            lang,
                            "printer.completed",
                            &[("printer", &shown), ("job", &id), ("pages", &sheets)],
                        )
                    })
                    .map_err(|e| printer::spool_message(lang, &e))
            },
            Message::Printed,
        )
    }
}

/// Writes the whole file or nothing: a temp file beside it, then rename.
fn write_whole(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension("pdf.part");
    std::fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

async fn save_as(title: String, name: String) -> Chosen {
    let dialog = rfd::AsyncFileDialog::new()
        .set_title(title)
        .set_file_name(name)
        .add_filter("PDF", &["pdf"]);
    crate::ui::file_dialog::save(dialog).await
}
