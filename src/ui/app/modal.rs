//! Window-wide dialogs (the first close to the tray, quitting or logging
//! out with work left) and the quit and tray flows they belong to.

use iced::Task;
use iced::keyboard::{Key, key::Named};
use iced::widget::{button, column, row, text};

use super::{App, Message};
use crate::i18n;
use crate::ui::Element;
use crate::ui::{theme, tray, widget};

/// How the user chose to quit while actions were still waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuitChoice {
    /// 退出 was asked for: check the outbox first.
    Ask,
    /// 发送后退出: sync, then quit when nothing waits.
    AfterSending,
    /// 仍然退出: the actions stay saved here and go out next start.
    Now,
    /// 取消.
    Cancel,
}

/// A window-wide dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AppDialog {
    /// The first close to the tray explains itself.
    TrayNotice,
    /// Quitting with unsent actions.
    QuitWithPending,
    /// Logging out with unsent actions or an unsaved form.
    Logout,
    /// 发送后退出 chosen: sending, then quitting.
    Sending,
}

impl App {
    pub(super) fn tray(&mut self, c: tray::Command) -> Task<Message> {
        match c {
            tray::Command::Show => super::show_window(),
            tray::Command::SyncNow => self.sync_now(),
            tray::Command::Quit => self.quit(QuitChoice::Ask),
        }
    }

    /// The close button: to the tray (explained the first time), or quit.
    pub(super) fn close_requested(&mut self, id: iced::window::Id) -> Task<Message> {
        if !tray::closes_to_tray() {
            return self.quit(QuitChoice::Ask);
        }
        if !self.settings.tray_notice_seen {
            self.dialog = Some(AppDialog::TrayNotice);
            return iced::window::gain_focus(id);
        }
        iced::window::set_mode(id, iced::window::Mode::Hidden)
    }

    pub(super) fn hide_to_tray(&mut self) -> Task<Message> {
        self.dialog = None;
        self.settings.tray_notice_seen = true;
        let (settings, path) = (self.settings.clone(), self.paths.settings_file());
        Task::batch([
            Task::perform(super::save_settings(settings, path), |_| Message::Done),
            iced::window::latest().then(|id| match id {
                Some(id) => iced::window::set_mode(id, iced::window::Mode::Hidden),
                None => Task::none(),
            }),
        ])
    }

    pub(super) fn quit(&mut self, choice: QuitChoice) -> Task<Message> {
        match choice {
            QuitChoice::Ask if self.sync.pending > 0 => {
                self.dialog = Some(AppDialog::QuitWithPending);
                super::show_window()
            }
            QuitChoice::Ask | QuitChoice::Now => iced::exit(),
            QuitChoice::AfterSending => {
                // Stays on screen with the count, so nobody wonders
                // whether the client is stuck (offline, it may wait).
                self.dialog = Some(AppDialog::Sending);
                self.quit_when_sent = true;
                self.sync_now()
            }
            QuitChoice::Cancel => {
                self.dialog = None;
                self.quit_when_sent = false;
                Task::none()
            }
        }
    }

    /// Enter and Esc in a window-wide dialog; other keys do nothing.
    pub(super) fn dialog_key(&mut self, d: AppDialog, key: &Key) -> Task<Message> {
        let enter = matches!(key, Key::Named(Named::Enter));
        let escape = matches!(key, Key::Named(Named::Escape));
        match d {
            AppDialog::TrayNotice if enter || escape => self.hide_to_tray(),
            AppDialog::QuitWithPending if escape => self.quit(QuitChoice::Cancel),
            AppDialog::QuitWithPending if enter => self.quit(QuitChoice::AfterSending),
            AppDialog::Logout if escape => self.update(Message::LogoutCancel),
            AppDialog::Sending if escape => self.quit(QuitChoice::Cancel),
            _ => Task::none(),
        }
    }

    pub(super) fn dialog_view(&self, d: AppDialog) -> Element<'_, Message> {
        match d {
            AppDialog::TrayNotice => column![
                text(self.t("tray.notice_title")).size(18),
                text(self.t("tray.notice")),
                widget::tool(self.t("orders.dismiss_ok"), Some(Message::HideToTray)),
            ]
            .spacing(14)
            .width(440)
            .into(),
            AppDialog::Logout => self.logout_dialog(),
            AppDialog::Sending => self.sending_dialog(),
            AppDialog::QuitWithPending => column![
                text(self.t("quit.title")).size(18),
                text(self.pending_text("quit.pending")),
                row![
                    widget::tool(
                        self.t("quit.after_sending"),
                        Some(Message::Quit(QuitChoice::AfterSending))
                    ),
                    widget::secondary(self.t("quit.now"), Some(Message::Quit(QuitChoice::Now))),
                    widget::secondary(
                        self.t("action.cancel"),
                        Some(Message::Quit(QuitChoice::Cancel))
                    ),
                ]
                .spacing(10),
            ]
            .spacing(14)
            .width(480)
            .into(),
        }
    }

    fn pending_text(&self, key: &str) -> String {
        i18n::tf(self.lang(), key, &[("n", &self.sync.pending.to_string())])
    }

    fn logout_dialog(&self) -> Element<'_, Message> {
        let mut col = column![text(self.t("logout.title")).size(18)].spacing(14);
        if self.sync.pending > 0 {
            col = col.push(text(self.pending_text("logout.pending")));
        }
        if self
            .screen
            .main()
            .is_some_and(|m| m.pages.any_unsaved_form())
        {
            col = col.push(text(self.t("logout.unsaved")));
        }
        col.push(
            row![
                button(text(self.t("logout.confirm")))
                    .padding([6, 18])
                    .style(theme::button::danger)
                    .on_press(Message::LogoutNow),
                widget::secondary(self.t("action.cancel"), Some(Message::LogoutCancel)),
            ]
            .spacing(10),
        )
        .width(480)
        .into()
    }

    fn sending_dialog(&self) -> Element<'_, Message> {
        let mut col = column![
            text(self.t("quit.sending_title")).size(18),
            text(self.pending_text("quit.sending")),
        ]
        .spacing(14);
        if !self.online {
            col = col.push(widget::muted(self.t("quit.sending_offline")));
        }
        col.push(
            row![
                widget::secondary(self.t("quit.now"), Some(Message::Quit(QuitChoice::Now))),
                widget::secondary(
                    self.t("action.cancel"),
                    Some(Message::Quit(QuitChoice::Cancel))
                ),
            ]
            .spacing(10),
        )
        .width(480)
        .into()
    }
}
