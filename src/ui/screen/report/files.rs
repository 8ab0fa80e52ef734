//! 导出Excel / 导出CSV of the report: the file named in the system's save
//! dialog (opened in the folder used last), or the typed path; written off
//! the GUI thread, and only complete files appear.

use std::path::PathBuf;

use iced::Task;

use super::{Message, State, Target, behind};
use crate::api::report::ReportOrder;
use crate::export::{self, FileKind};
use crate::i18n;
use crate::sync::ClientError;
pub use crate::ui::file_dialog::Chosen;
use crate::ui::screen::Ctx;
use crate::ui::screen::form::lost;

async fn save_as(title: String, folder: Option<PathBuf>, name: String) -> Chosen {
    let mut dialog = rfd::AsyncFileDialog::new()
        .set_title(title)
        .set_file_name(name);
    if let Some(f) = folder {
        dialog = dialog.set_directory(f);
    }
    crate::ui::file_dialog::save(dialog).await
}

fn extension(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Xlsx => "xlsx",
        FileKind::Csv => "csv",
    }
}

impl State {
    /// 导出: the typed path, else the save dialog.
    pub(super) fn export(
        &mut self,
        target: Target,
        kind: FileKind,
        ctx: &Ctx<'_>,
    ) -> Task<Message> {
        let typed = self.path.trim();
        if !typed.is_empty() {
            return self.write(target, kind, PathBuf::from(typed), ctx);
        }
        let stem = match (target, &self.report, &self.behind) {
            (Target::Report, Some(r), _) => format!("{}-{}-{}", r.outlet_code, r.from, r.to),
            (Target::Behind, _, Some(b)) => b.file_stem(),
            _ => return Task::none(),
        };
        let name = format!("{stem}.{}", extension(kind));
        let title = ctx.t(match kind {
            FileKind::Xlsx => "report.export_xlsx",
            FileKind::Csv => "report.export_csv",
        });
        Task::perform(save_as(title, self.folder.clone(), name), move |c| {
            Message::Chosen(target, kind, c)
        })
    }

    pub(super) fn chosen(
        &mut self,
        target: Target,
        kind: FileKind,
        c: Chosen,
        ctx: &Ctx<'_>,
    ) -> Task<Message> {
        match c {
            Chosen::Path(p) => self.write(target, kind, p, ctx),
            Chosen::Cancelled => Task::none(),
            Chosen::Unavailable => {
                self.error = Some(ctx.t("report.no_dialog"));
                Task::none()
            }
        }
    }

    fn write(
        &mut self,
        target: Target,
        kind: FileKind,
        path: PathBuf,
        ctx: &Ctx<'_>,
    ) -> Task<Message> {
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            self.folder = Some(folder.to_path_buf());
            let (store, folder) = (ctx.store.clone(), folder.to_path_buf());
            let remember = Task::perform(
                async move { store.run(move |s| s.set_export_folder(&folder)).await },
                |r| Message::FolderSaved(r.map_err(|e| e.to_string())),
            );
            return Task::batch([remember, self.write_to(target, kind, path, ctx)]);
        }
        self.write_to(target, kind, path, ctx)
    }

    fn write_to(
        &mut self,
        target: Target,
        kind: FileKind,
        path: PathBuf,
        ctx: &Ctx<'_>,
    ) -> Task<Message> {
        match target {
            Target::Report => match &self.report {
                Some(r) => write_table(export::report_table(r, ctx.lang), kind, path, ctx.lang),
                None => Task::none(),
            },
            // The whole list, not the page: fetched first, then written.
            Target::Behind => match &self.behind {
                Some(b) => {
                    self.notice = Some(ctx.t("report.export_fetching"));
                    let fetch =
                        behind::fetch_all(ctx.client.clone(), b.period, b.part.clone(), b.column);
                    Task::perform(fetch, move |r| {
                        Message::BehindFetched(kind, path.clone(), Box::new(r))
                    })
                }
                None => Task::none(),
            },
        }
    }

    /// Every order behind the number arrived: written with outlet names.
    pub(super) fn behind_fetched(
        &mut self,
        kind: FileKind,
        path: PathBuf,
        r: Result<Vec<ReportOrder>, ClientError>,
        ctx: &Ctx<'_>,
    ) -> (Task<Message>, Option<super::Event>) {
        match r {
            Ok(list) => {
                let title = self
                    .behind
                    .as_ref()
                    .map(|b| b.title.clone())
                    .unwrap_or_default();
                let names = |c: &str| ctx.outlet_label(c);
                let reason = |c: &str| ctx.params.reason_label(c, ctx.lang);
                let table = export::report_orders_table(&list, &title, &names, &reason, ctx.lang);
                (write_table(table, kind, path, ctx.lang), None)
            }
            Err(e) => {
                self.notice = None;
                self.error = Some(i18n::tf(
                    ctx.lang,
                    "report.export_failed",
                    &[("why", &e.user_message(ctx.lang))],
                ));
                (Task::none(), lost(&e).map(super::Event::Lost))
            }
        }
    }
}

/// Writes `table` off the GUI thread; only a complete file appears.
fn write_table(
    table: export::Table,
    kind: FileKind,
    path: PathBuf,
    lang: i18n::Lang,
) -> Task<Message> {
    Task::perform(
        async move {
            let shown = path.display().to_string();
            tokio::task::spawn_blocking(move || export::write(&table, &path, kind, &mut |_| true))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()))
                .map(|()| i18n::tf(lang, "report.exported", &[("path", &shown)]))
                .map_err(|why| i18n::tf(lang, "report.export_failed", &[("why", &why)]))
        },
        Message::Exported,
    )
}
