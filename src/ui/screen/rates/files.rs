//! 导入 and 导出 of the rate card: the file comes from the system's file
//! dialog, or from the typed path when one is typed (and whenever no
//! dialog can open: a PC without a desktop portal or zenity, a test).

use std::path::PathBuf;

use iced::Task;

use super::{Event, Message, State};
use crate::api::ImportResult;
use crate::i18n;
use crate::sync::{ClientError, SheetFormat};
use crate::ui::file_dialog::{self, Chosen};
use crate::ui::screen::Ctx;
use crate::ui::theme::Tone;

/// Whether the dialog opens a file or names one to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Import,
    Export,
}

/// Shows the system's file dialog.
async fn choose(purpose: Purpose, title: String) -> Chosen {
    let dialog = rfd::AsyncFileDialog::new()
        .set_title(title)
        .add_filter("Excel / CSV", &["xlsx", "csv"]);
    match purpose {
        Purpose::Import => file_dialog::pick(dialog).await,
        Purpose::Export => file_dialog::save(dialog.set_file_name("rate-card.xlsx")).await,
    }
}

impl State {
    /// 导入/导出: the typed path, else the file dialog.
    pub(super) fn file(&mut self, purpose: Purpose, ctx: &Ctx<'_>) -> Task<Message> {
        let typed = self.path.trim();
        if !typed.is_empty() {
            return self.use_file(purpose, PathBuf::from(typed), ctx);
        }
        let title = ctx.t(match purpose {
            Purpose::Import => "rates.import",
            Purpose::Export => "rates.export",
        });
        Task::perform(choose(purpose, title), move |c| Message::Chosen(purpose, c))
    }

    /// The dialog's answer.
    pub(super) fn chosen(&mut self, purpose: Purpose, c: Chosen, ctx: &Ctx<'_>) -> Task<Message> {
        match c {
            Chosen::Path(p) => self.use_file(purpose, p, ctx),
            Chosen::Cancelled => Task::none(),
            Chosen::Unavailable => {
                self.notice = Some((ctx.t("rates.no_dialog"), Tone::Warning));
                Task::none()
            }
        }
    }

    fn use_file(&mut self, purpose: Purpose, path: PathBuf, ctx: &Ctx<'_>) -> Task<Message> {
        let client = ctx.client.clone();
        let format = SheetFormat::of_path(&path);
        match purpose {
            Purpose::Import => {
                self.busy = true;
                self.bad_cells.clear();
                Task::perform(
                    async move {
                        match tokio::fs::read(&path).await {
                            Err(e) => Message::FileError(e.to_string()),
                            Ok(bytes) => {
                                Message::Imported(client.import_rate_card(bytes, format).await)
                            }
                        }
                    },
                    std::convert::identity,
                )
            }
            Purpose::Export => Task::perform(
                async move {
                    let bytes = match client.export_rate_card(format).await {
                        Ok(b) => b,
                        Err(e) => return Message::Exported(Err(e)),
                    };
                    match tokio::fs::write(&path, bytes).await {
                        Ok(()) => Message::Exported(Ok(path.display().to_string())),
                        Err(e) => Message::FileError(e.to_string()),
                    }
                },
                std::convert::identity,
            ),
        }
    }

    pub(super) fn imported(
        &mut self,
        r: Result<ImportResult, ClientError>,
        ctx: &Ctx<'_>,
    ) -> (Task<Message>, Option<Event>) {
        match r {
            Ok(r) => {
                self.busy = false;
                let n = |v: usize| v.to_string();
                self.notice = Some((
                    i18n::tf(
                        ctx.lang,
                        "rates.imported",
                        &[("added", &n(r.added)), ("updated", &n(r.updated))],
                    ),
                    Tone::Success,
                ));
                (self.reload(ctx), None)
            }
            Err(e) => {
                self.bad_cells = e.detail().map(|d| d.rows.clone()).unwrap_or_default();
                let ev = self.failed(ctx, &e);
                if !self.bad_cells.is_empty() {
                    self.notice = Some((ctx.t("rates.import_failed"), Tone::Danger));
                }
                (Task::none(), ev)
            }
        }
    }

    pub(super) fn exported(
        &mut self,
        r: Result<String, ClientError>,
        ctx: &Ctx<'_>,
    ) -> Option<Event> {
        match r {
            Ok(p) => {
                self.notice = Some((
                    i18n::tf(ctx.lang, "rates.exported", &[("path", &p)]),
                    Tone::Success,
                ));
                None
            }
            Err(e) => self.failed(ctx, &e),
        }
    }

    pub(super) fn file_error(&mut self, why: &str, ctx: &Ctx<'_>) {
        self.busy = false;
        self.notice = Some((
            i18n::tf(ctx.lang, "rates.file_error", &[("why", why)]),
            Tone::Danger,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Message, State};
    use super::{Chosen, Purpose};
    use crate::domain::Role;
    use crate::ui::screen::fixture::Fixture;
    use crate::ui::theme::Tone;

    /// Where no file dialog can open, the user is told to type the path;
    /// closing the dialog says nothing.
    #[test]
    fn without_a_file_dialog_the_user_is_told_to_type_the_path() {
        let fixture = Fixture::new(Role::Admin);
        let ctx = fixture.ctx();
        let mut s = State::default();
        let (_, event) = s.update(Message::Chosen(Purpose::Import, Chosen::Unavailable), &ctx);
        assert!(event.is_none());
        assert_eq!(
            s.notice,
            Some((
                "这台电脑打不开文件选择窗口：请在上面的框中输入文件路径，再点导入或导出。"
                    .to_owned(),
                Tone::Warning
            ))
        );
        assert!(!s.busy, "nothing is being imported");

        let mut s = State::default();
        let _ = s.update(Message::Chosen(Purpose::Export, Chosen::Cancelled), &ctx);
        assert_eq!(s.notice, None);
    }

    /// A typed path is used as it is: no dialog, the import starts.
    #[test]
    fn a_typed_path_imports_without_a_dialog() {
        let fixture = Fixture::new(Role::Admin);
        let ctx = fixture.ctx();
        let mut s = State::default();
        let _ = s.update(Message::Path(" /tmp/card.csv ".into()), &ctx);
        let _ = s.update(Message::Import, &ctx);
        assert!(s.busy, "the import of the typed file is under way");
    }
}
