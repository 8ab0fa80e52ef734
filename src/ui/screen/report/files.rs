//! 导出Excel / 导出CSV of the report: the file named in the system's save
//! dialog (opened in the folder used last), or the typed path; written off
//! the GUI thread, and only complete files appear.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use iced::Task;

use super::{Message, State};
use crate::export::{self, FileKind};
use crate::i18n;
use crate::ui::screen::Ctx;
/// What the save dialog gave (the same answers as 价格方案's dialog).
pub use crate::ui::screen::rates::Chosen;

/// A "nothing picked" quicker than this came from a dialog that never showed.
const NO_DIALOG: Duration = Duration::from_millis(300);

async fn save_as(title: String, folder: Option<PathBuf>, name: String) -> Chosen {
    let started = Instant::now();
    let mut dialog = rfd::AsyncFileDialog::new()
        .set_title(title)
        .set_file_name(name);
    if let Some(f) = folder {
        dialog = dialog.set_directory(f);
    }
    match dialog.save_file().await {
        Some(h) => Chosen::Path(h.path().to_path_buf()),
        None if started.elapsed() < NO_DIALOG => Chosen::Unavailable,
        None => Chosen::Cancelled,
    }
}

fn extension(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Xlsx => "xlsx",
        FileKind::Csv => "csv",
    }
}

impl State {
    /// 导出: the typed path, else the save dialog.
    pub(super) fn export(&mut self, kind: FileKind, ctx: &Ctx<'_>) -> Task<Message> {
        let typed = self.path.trim();
        if !typed.is_empty() {
            return self.write(kind, PathBuf::from(typed), ctx);
        }
        let Some(r) = &self.report else {
            return Task::none();
        };
        let name = format!("{}-{}-{}.{}", r.outlet_code, r.from, r.to, extension(kind));
        let title = ctx.t(match kind {
            FileKind::Xlsx => "report.export_xlsx",
            FileKind::Csv => "report.export_csv",
        });
        Task::perform(save_as(title, self.folder.clone(), name), move |c| {
            Message::Chosen(kind, c)
        })
    }

    pub(super) fn chosen(&mut self, kind: FileKind, c: Chosen, ctx: &Ctx<'_>) -> Task<Message> {
        match c {
            Chosen::Path(p) => self.write(kind, p, ctx),
            Chosen::Cancelled => Task::none(),
            Chosen::Unavailable => {
                self.error = Some(ctx.t("report.no_dialog"));
                Task::none()
            }
        }
    }

    fn write(&mut self, kind: FileKind, path: PathBuf, ctx: &Ctx<'_>) -> Task<Message> {
        let Some(r) = &self.report else {
            return Task::none();
        };
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            self.folder = Some(folder.to_path_buf());
        }
        let table = export::report_table(r, ctx.lang);
        let lang = ctx.lang;
        Task::perform(
            async move {
                let shown = path.display().to_string();
                tokio::task::spawn_blocking(move || {
                    export::write(&table, &path, kind, &mut |_| true)
                })
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()))
                .map(|()| i18n::tf(lang, "report.exported", &[("path", &shown)]))
                .map_err(|why| i18n::tf(lang, "report.export_failed", &[("why", &why)]))
            },
            Message::Exported,
        )
    }
}
