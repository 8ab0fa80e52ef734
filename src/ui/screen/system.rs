//! 系统管理: local settings of this PC (language, server address). Display
//! styles and parameters grow here.

use iced::widget::{column, container, pick_list, row, text, text_input};
use iced::{Element, Length, Task};

use super::{Ctx, Event};
use crate::config::Settings;
use crate::i18n::{self, Lang};
use crate::ui::widget::{self, Choice, Tone};

/// 系统管理 messages.
#[derive(Debug, Clone)]
pub enum Message {
    /// A language was picked: applied at once and remembered.
    Language(Choice<Lang>),
    /// The server address field changed.
    ServerUrl(String),
    /// 保存 the server address.
    SaveServer,
}

/// The 系统管理 screen.
#[derive(Debug, Clone, Default)]
pub struct State {
    server_url: String,
    notice: Option<(String, Tone)>,
}

fn lang_choice(l: Lang) -> Choice<Lang> {
    Choice {
        value: l,
        label: i18n::t(l, "lang.name"),
    }
}

impl State {
    /// A screen showing `settings`.
    pub fn new(settings: &Settings) -> Self {
        State {
            server_url: settings.server_url.clone(),
            notice: None,
        }
    }

    /// Handles one message; settings changes go to the app as events.
    pub fn update(
        &mut self,
        message: Message,
        settings: &Settings,
        lang: Lang,
    ) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Language(c) => {
                let s = Settings {
                    language: c.value,
                    ..settings.clone()
                };
                self.notice = None;
                (Task::none(), Some(Event::SettingsChanged(s)))
            }
            Message::ServerUrl(u) => {
                self.server_url = u;
                (Task::none(), None)
            }
            Message::SaveServer => {
                let url = self.server_url.trim().to_owned();
                let ok =
                    url.is_empty() || url.starts_with("http://") || url.starts_with("https://");
                if !ok {
                    self.notice = Some((i18n::rule(lang, "invalid_url"), Tone::Danger));
                    return (Task::none(), None);
                }
                self.notice = Some((i18n::t(lang, "system.server_saved"), Tone::Success));
                let s = Settings {
                    server_url: url,
                    ..settings.clone()
                };
                (Task::none(), Some(Event::SettingsChanged(s)))
            }
        }
    }

    /// Draws the screen.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>, settings: &Settings) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let langs: Vec<Choice<Lang>> = Lang::ALL.iter().map(|l| lang_choice(*l)).collect();
        let mut col = column![
            text(t("system.title")).size(18).font(crate::ui::font::BOLD),
            widget::field(
                t("system.language"),
                pick_list(
                    langs,
                    Some(lang_choice(settings.language)),
                    Message::Language
                )
                .width(240),
                None
            ),
            widget::field(
                t("system.server_url"),
                row![
                    text_input(&t("system.server_placeholder"), &self.server_url)
                        .on_input(Message::ServerUrl)
                        .on_submit(Message::SaveServer)
                        .padding(6)
                        .width(360),
                    widget::tool(t("action.save"), Some(Message::SaveServer)),
                ]
                .spacing(8),
                None
            ),
            widget::muted(t("system.server_hint")).size(12),
        ]
        .spacing(14)
        .max_width(720);
        if let Some((n, tone)) = &self.notice {
            col = col.push(widget::banner(text(n.as_str()), *tone));
        }
        container(col).padding(16).width(Length::Fill).into()
    }
}
