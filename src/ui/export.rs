//! 导出 on a list screen: a panel to choose Excel or CSV and the file
//! (named after the list and today's date, in the folder used last on this
//! PC), then the export on a background thread with a progress bar and
//! 取消导出, and at the end the saved path with 打开所在文件夹, or why it
//! failed. A screen keeps one [`Exporter`] and hands it the rows when the
//! clerk starts.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use iced::Task;
use iced::widget::{column, progress_bar, row, text, text_input};

use crate::config::{ExportFormat, ExportPrefs};
use crate::export::{self, ExportError, FileKind, Kind, Rows};
use crate::i18n::{self, Lang};
use crate::ui::Element;
use crate::ui::file_dialog::Chosen;
use crate::ui::screen::Ctx;
use crate::ui::widget;

/// What a screen exports when the clerk starts.
pub struct Request {
    /// The list's name: the sheet's name and the start of the file name.
    pub title: String,
    pub columns: Vec<(String, Kind)>,
    pub rows: Box<dyn Rows>,
    /// How many rows to expect, for the bar (an estimate may be short).
    pub total: Option<u64>,
}

/// The panel's messages.
#[derive(Debug, Clone)]
pub enum ExportMsg {
    /// 导出 in the toolbar: the panel opens.
    Open,
    /// Excel or CSV.
    Format(FileKind),
    /// The file typed.
    Path(String),
    /// 浏览…: the system's save dialog.
    Browse,
    /// The save dialog answered.
    Chosen(Chosen),
    /// 开始导出.
    Start,
    /// Rows written so far.
    Progress(u64),
    /// The export ended: the rows written, or why not.
    Finished(Result<u64, Outcome>),
    /// 取消导出.
    Cancel,
    /// 打开所在文件夹.
    OpenFolder,
    /// The file manager was started, or why not.
    FolderOpened(Result<(), String>),
    /// 关闭.
    Close,
}

/// How an export that wrote nothing ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Cancelled,
    Failed(export::Failure),
}

#[derive(Debug)]
enum Stage {
    /// Choosing the format and the file.
    Choosing,
    Running {
        cancel: Arc<AtomicBool>,
        written: u64,
        total: Option<u64>,
    },
    Saved(u64),
    Ended(Outcome),
}

/// The export panel of one list screen.
#[derive(Debug, Default)]
pub struct Exporter {
    /// `None`: the panel is closed.
    stage: Option<Stage>,
    format: FileKind,
    path: String,
    /// Something the panel must say (the dialog is unavailable, the folder
    /// would not open).
    note: Option<String>,
}

/// The file's name: the list, today's China date, the format's extension.
pub fn default_name(title: &str, today: chrono::NaiveDate, format: FileKind) -> String {
    let clean: String = title
        .chars()
        .filter(|c| !"<>:\"/\\|?*".contains(*c))
        .collect();
    format!("{clean}-{}.{}", today.format("%Y-%m-%d"), extension(format))
}

/// `.xlsx` or `.csv`.
pub fn extension(format: FileKind) -> &'static str {
    match format {
        FileKind::Xlsx => "xlsx",
        FileKind::Csv => "csv",
    }
}

fn kind_of(f: ExportFormat) -> FileKind {
    match f {
        ExportFormat::Xlsx => FileKind::Xlsx,
        ExportFormat::Csv => FileKind::Csv,
    }
}

fn format_of(k: FileKind) -> ExportFormat {
    match k {
        FileKind::Xlsx => ExportFormat::Xlsx,
        FileKind::Csv => ExportFormat::Csv,
    }
}

impl Exporter {
    /// Whether the panel is open (it then takes the screen's keys).
    pub fn is_open(&self) -> bool {
        self.stage.is_some()
    }

    /// Whether an export is being written.
    pub fn running(&self) -> bool {
        matches!(self.stage, Some(Stage::Running { .. }))
    }

    /// Handles one message. `request` is the screen's rows, given with
    /// [`ExportMsg::Start`]. Returns the work to do and, after a file was
    /// saved, the folder and format to remember on this PC.
    pub fn update(
        &mut self,
        msg: ExportMsg,
        request: Option<Request>,
        title: &str,
        ctx: &Ctx<'_>,
    ) -> (Task<ExportMsg>, Option<ExportPrefs>) {
        match msg {
            ExportMsg::Open if !self.running() => {
                self.format = kind_of(ctx.export.format);
                let today = ctx
                    .now
                    .with_timezone(&crate::ui::format::cst())
                    .date_naive();
                let name = default_name(title, today, self.format);
                // Never the program's own folder (on Windows under Program
                // Files, not writable): the last folder, else Documents.
                let folder = ctx.export.folder.clone().or_else(|| {
                    directories::UserDirs::new().map(|d| {
                        d.document_dir()
                            .unwrap_or_else(|| d.home_dir())
                            .to_path_buf()
                    })
                });
                self.path = match folder {
                    Some(f) => f.join(name).display().to_string(),
                    None => name,
                };
                self.note = None;
                self.stage = Some(Stage::Choosing);
            }
            ExportMsg::Open => {}
            ExportMsg::Format(f) => {
                self.format = f;
                let p = PathBuf::from(self.path.trim());
                if p.file_name().is_some() {
                    self.path = p.with_extension(extension(f)).display().to_string();
                }
            }
            ExportMsg::Path(p) => self.path = p,
            ExportMsg::Browse => {
                let p = PathBuf::from(self.path.trim());
                let folder = p
                    .parent()
                    .filter(|f| !f.as_os_str().is_empty())
                    .map(Path::to_path_buf);
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let title = ctx.t("export.title");
                let format = self.format;
                return (
                    Task::perform(save_as(title, folder, name, format, ctx.lang), |c| {
                        ExportMsg::Chosen(c)
                    }),
                    None,
                );
            }
            ExportMsg::Chosen(Chosen::Path(p)) => {
                if let Some(ext) = p.extension().and_then(|e| e.to_str()) {
                    if ext.eq_ignore_ascii_case("csv") {
                        self.format = FileKind::Csv;
                    } else if ext.eq_ignore_ascii_case("xlsx") {
                        self.format = FileKind::Xlsx;
                    }
                }
                self.path = p.display().to_string();
            }
            ExportMsg::Chosen(Chosen::Cancelled) => {}
            ExportMsg::Chosen(Chosen::Unavailable) => self.note = Some(ctx.t("export.no_dialog")),
            ExportMsg::Start => {
                if let Some(req) = request {
                    return (self.start(req, ctx), None);
                }
            }
            ExportMsg::Progress(n) => {
                if let Some(Stage::Running { written, .. }) = &mut self.stage {
                    *written = n;
                }
            }
            ExportMsg::Finished(r) => {
                self.stage = Some(match r {
                    Ok(n) => Stage::Saved(n),
                    Err(o) => Stage::Ended(o),
                });
                if matches!(self.stage, Some(Stage::Saved(_))) {
                    let folder = self.target().parent().map(Path::to_path_buf);
                    return (
                        Task::none(),
                        Some(ExportPrefs {
                            folder: folder.filter(|f| !f.as_os_str().is_empty()),
                            format: format_of(self.format),
                        }),
                    );
                }
            }
            ExportMsg::Cancel => {
                if let Some(Stage::Running { cancel, .. }) = &self.stage {
                    cancel.store(true, Ordering::Relaxed);
                }
            }
            ExportMsg::OpenFolder => {
                let folder = self
                    .target()
                    .parent()
                    .filter(|f| !f.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
                let lang = ctx.lang;
                return (
                    Task::perform(open_folder(folder, lang), ExportMsg::FolderOpened),
                    None,
                );
            }
            ExportMsg::FolderOpened(r) => self.note = r.err(),
            ExportMsg::Close if !self.running() => {
                self.stage = None;
                self.note = None;
            }
            ExportMsg::Close => {}
        }
        (Task::none(), None)
    }

    fn target(&self) -> PathBuf {
        PathBuf::from(self.path.trim())
    }

    /// The export on a blocking thread; its progress comes back as
    /// messages, about one per chunk of rows.
    fn start(&mut self, req: Request, ctx: &Ctx<'_>) -> Task<ExportMsg> {
        let path = self.target();
        if self.path.trim().is_empty() {
            self.note = Some(ctx.t("export.no_path"));
            return Task::none();
        }
        self.note = None;
        let cancel = Arc::new(AtomicBool::new(false));
        self.stage = Some(Stage::Running {
            cancel: cancel.clone(),
            written: 0,
            total: req.total,
        });
        let format = self.format;
        Task::run(
            iced::stream::channel(4, async move |mut out| {
                use iced::futures::SinkExt;
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let Request {
                    title,
                    columns,
                    mut rows,
                    ..
                } = req;
                let job = tokio::task::spawn_blocking(move || {
                    export::run(
                        &path,
                        format,
                        &title,
                        &columns,
                        rows.as_mut(),
                        &cancel,
                        &mut |n| {
                            let _ = tx.send(n);
                        },
                    )
                });
                while let Some(n) = rx.recv().await {
                    let _ = out.send(ExportMsg::Progress(n)).await;
                }
                let end = match job.await {
                    Ok(r) => r,
                    Err(e) => Err(ExportError::Panicked(e.to_string())),
                };
                let end = end.map_err(|e| match e.failure() {
                    None => Outcome::Cancelled,
                    Some(f) => Outcome::Failed(f),
                });
                let _ = out.send(ExportMsg::Finished(end)).await;
            }),
            |m| m,
        )
    }

    /// The panel, while open, for the screen to show over itself.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>) -> Option<Element<'a, ExportMsg>> {
        let stage = self.stage.as_ref()?;
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let mut body = column![text(t("export.title")).size(18)].spacing(10);
        match stage {
            Stage::Choosing => {
                let choice = |k: FileKind, key: &str| {
                    widget::secondary(
                        format!("{} {}", if self.format == k { "●" } else { "○" }, t(key)),
                        Some(ExportMsg::Format(k)),
                    )
                };
                body = body
                    .push(
                        row![
                            text(t("export.format")),
                            choice(FileKind::Xlsx, "export.xlsx"),
                            choice(FileKind::Csv, "export.csv"),
                        ]
                        .spacing(8)
                        .align_y(iced::Alignment::Center),
                    )
                    .push(widget::field(
                        t("export.file"),
                        row![
                            text_input(&t("export.file_placeholder"), &self.path)
                                .id("export-path")
                                .on_input(ExportMsg::Path)
                                .on_submit(ExportMsg::Start)
                                .padding(5),
                            widget::secondary(t("export.browse"), Some(ExportMsg::Browse)),
                        ]
                        .spacing(6),
                        None,
                    ))
                    .push(
                        row![
                            widget::tool(t("export.start"), Some(ExportMsg::Start)),
                            widget::secondary(t("action.cancel"), Some(ExportMsg::Close)),
                        ]
                        .spacing(8),
                    );
            }
            Stage::Running { written, total, .. } => {
                let shown = total.filter(|t| *t >= *written && *t > 0);
                let line = match shown {
                    Some(total) => i18n::tf(
                        lang,
                        "export.progress_of",
                        &[("n", &count(*written)), ("total", &count(total))],
                    ),
                    None => i18n::tf(lang, "export.progress", &[("n", &count(*written))]),
                };
                let fraction = shown.map_or(0.0, |t| *written as f32 / t as f32);
                body = body
                    .push(text(self.path.as_str()).size(12))
                    .push(progress_bar(0.0..=1.0, fraction).girth(14))
                    .push(text(line))
                    .push(widget::secondary(
                        t("export.cancel"),
                        Some(ExportMsg::Cancel),
                    ));
            }
            Stage::Saved(n) => {
                body = body
                    .push(widget::banner(
                        text(i18n::tf(
                            lang,
                            "export.saved",
                            &[("n", &count(*n)), ("path", &self.path)],
                        )),
                        crate::ui::theme::Tone::Success,
                    ))
                    .push(
                        row![
                            widget::tool(t("export.open_folder"), Some(ExportMsg::OpenFolder)),
                            widget::secondary(t("export.close"), Some(ExportMsg::Close)),
                        ]
                        .spacing(8),
                    );
            }
            Stage::Ended(o) => {
                let (line, tone) = match o {
                    Outcome::Cancelled => (t("export.cancelled"), crate::ui::theme::Tone::Info),
                    Outcome::Failed(f) => (failure_text(lang, f), crate::ui::theme::Tone::Danger),
                };
                body = body.push(widget::banner(text(line), tone)).push(
                    row![
                        widget::tool(t("export.again"), Some(ExportMsg::Open)),
                        widget::secondary(t("export.close"), Some(ExportMsg::Close)),
                    ]
                    .spacing(8),
                );
            }
        }
        if let Some(n) = &self.note {
            body = body.push(widget::muted(n.as_str()).size(12));
        }
        Some(body.into())
    }
}

/// 12,345 rows.
fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Why nothing was written, and that nothing else changed.
pub fn failure_text(lang: Lang, f: &export::Failure) -> String {
    let why = match f {
        export::Failure::DiskFull => i18n::t(lang, "export.why.disk_full"),
        export::Failure::FolderGone => i18n::t(lang, "export.why.folder_gone"),
        export::Failure::Denied => i18n::t(lang, "export.why.denied"),
        export::Failure::InUse => i18n::t(lang, "export.why.in_use"),
        export::Failure::Other(s) => s.clone(),
    };
    i18n::tf(lang, "export.failed", &[("why", &why)])
}

async fn save_as(
    title: String,
    folder: Option<PathBuf>,
    name: String,
    format: FileKind,
    lang: Lang,
) -> Chosen {
    let (label, ext) = match format {
        FileKind::Xlsx => (i18n::t(lang, "export.xlsx"), "xlsx"),
        FileKind::Csv => (i18n::t(lang, "export.csv"), "csv"),
    };
    let mut dialog = rfd::AsyncFileDialog::new()
        .set_title(title)
        .set_file_name(name)
        .add_filter(label, &[ext]);
    if let Some(f) = folder {
        dialog = dialog.set_directory(f);
    }
    crate::ui::file_dialog::save(dialog).await
}

/// Shows `folder` in the system's file manager.
async fn open_folder(folder: PathBuf, lang: Lang) -> Result<(), String> {
    let program = if cfg!(windows) {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    tokio::process::Command::new(program)
        .arg(&folder)
        .spawn()
        .map(|_| ())
        .map_err(|e| {
            i18n::tf(
                lang,
                "export.folder_failed",
                &[
                    ("path", &folder.display().to_string()),
                    ("why", &e.to_string()),
                ],
            )
        })
}
