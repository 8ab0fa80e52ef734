//! 系统管理: 系统显示风格 (styles chosen from the options on the left),
//! 参数配置 (the manual's layout: categories left, buttons in the middle,
//! the category's parameters right, details below) and 本机设置.

mod display;
mod params;

use crate::ui::Element;
use iced::widget::{button, column, container, row, space, text};
use iced::{Length, Task};
use serde_json::Value;

use super::Ctx;
use crate::api::Parameter;
use crate::config::Settings;
use crate::domain::params::{ParamType, Reason};
use crate::i18n::{self, Lang};
use crate::sync::ClientError;
use crate::ui::notice::Notice;
use crate::ui::theme::{Style, Tone};
use crate::ui::widget::{self, Choice};

/// What the left column shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// 系统显示风格.
    Display,
    /// A server parameter category (`sla`, `discount`, …).
    Server(&'static str),
    /// 本机设置.
    Local,
}

/// 系统管理 messages.
#[derive(Debug, Clone)]
pub enum Message {
    /// A category on the left was picked.
    Category(Category),
    /// A display style was picked: applied at once, remembered.
    Style(Style),
    /// Normal or large text.
    LargeText(bool),
    /// A language was picked.
    Language(Choice<Lang>),
    /// New-order sound on or off.
    Sound(bool),
    /// The server address field changed.
    ServerUrl(String),
    /// 保存 the server address.
    SaveServer,
    /// A parameter row was clicked.
    Select(String),
    /// 修改.
    Modify,
    /// The value being typed.
    Value(String),
    /// A reason's label changed.
    ReasonLabel(usize, String),
    /// A reason's English label changed.
    ReasonLabelEn(usize, String),
    /// A reason retired or back.
    ReasonRetired(usize, bool),
    /// A reason needs a note or not.
    ReasonNote(usize, bool),
    /// The new reason's code.
    NewCode(String),
    /// The new reason's label.
    NewLabel(String),
    /// 添加 the new reason.
    AddReason,
    /// 保存.
    Save,
    /// 恢复默认: put the shipped default in the editor.
    Restore,
    /// 取消.
    Cancel,
    /// 知道了 on the screen's notice.
    DismissNotice,
    /// The server answered a save.
    Saved(Result<Parameter, ClientError>),
}

/// What 系统管理 tells the app.
#[derive(Debug, Clone)]
pub enum Event {
    /// The user changed a local setting.
    SettingsChanged(Settings),
    /// An administrator changed a server parameter.
    ParameterSaved(crate::api::Parameter),
}

/// The 系统管理 screen.
#[derive(Debug, Clone)]
pub struct State {
    category: Category,
    selected: Option<String>,
    editing: bool,
    value: String,
    reasons: Vec<Reason>,
    new_code: String,
    new_label: String,
    server_url: String,
    busy: bool,
    notice: Option<Notice>,
}

fn lang_choice(l: Lang) -> Choice<Lang> {
    Choice {
        value: l,
        label: i18n::t(l, "lang.name"),
    }
}

/// A value as the editor shows it: numbers in the unit clerks use (元,
/// kg, m³, km), text as typed.
fn value_text(ty: ParamType, v: &Value) -> String {
    match (v, v.as_i64()) {
        (_, Some(n)) if ty.is_integer() => crate::ui::format::param_number(ty, n),
        (Value::String(s), _) => s.clone(),
        (other, _) => other.to_string(),
    }
}

/// A parameter's description in the current language: the local table
/// knows every parameter this client was built with; the server's text
/// (in the language of the request that fetched it) is the fallback.
fn describe(lang: Lang, p: &Parameter) -> String {
    let key = format!("param.{}", p.key);
    if i18n::has(&key) {
        i18n::t(lang, &key)
    } else {
        p.description.clone()
    }
}

impl State {
    /// A screen showing `settings`.
    pub fn new(settings: &Settings) -> Self {
        State {
            category: Category::Display,
            selected: None,
            editing: false,
            value: String::new(),
            reasons: Vec::new(),
            new_code: String::new(),
            new_label: String::new(),
            server_url: settings.server_url.clone(),
            busy: false,
            notice: None,
        }
    }

    /// Lets a success notice fade once it has had its time.
    pub fn fade_notices(&mut self, now: std::time::Instant) {
        crate::ui::notice::fade(&mut self.notice, now);
    }

    /// Whether a parameter is being edited and not yet saved.
    pub fn is_editing(&self) -> bool {
        self.editing
    }

    /// The message a shortcut key means here: Ctrl+S saves and Esc
    /// cancels the parameter being edited, Ctrl+E starts editing it.
    pub fn shortcut(&self, key: crate::ui::widget::shortcuts::Shortcut) -> Option<Message> {
        use crate::ui::widget::shortcuts::Shortcut as S;
        match (key, self.editing) {
            (S::Save, true) => Some(Message::Save),
            (S::Escape, true) => Some(Message::Cancel),
            (S::Edit, false) if self.selected.is_some() => Some(Message::Modify),
            _ => None,
        }
    }

    fn load_editor(&mut self, p: &Parameter, v: &Value) {
        self.value = value_text(p.ty, v);
        self.reasons = if p.ty == ParamType::Reasons {
            serde_json::from_value(v.clone()).unwrap_or_default()
        } else {
            Vec::new()
        };
    }

    /// Handles one message; changes go to the app as events.
    pub fn update(
        &mut self,
        message: Message,
        ctx: &Ctx<'_>,
        settings: &Settings,
        params: &[Parameter],
    ) -> (Task<Message>, Option<Event>) {
        let lang = ctx.lang;
        match message {
            Message::Category(c) => {
                self.category = c;
                self.editing = false;
                self.notice = None;
                self.selected = match c {
                    Category::Server(cat) => params
                        .iter()
                        .find(|p| p.category == cat)
                        .map(|p| p.key.clone()),
                    _ => None,
                };
            }
            m @ (Message::Style(_)
            | Message::LargeText(_)
            | Message::Language(_)
            | Message::Sound(_)
            | Message::ServerUrl(_)
            | Message::SaveServer) => return self.update_local(m, lang, settings),
            Message::Select(k) => {
                if !self.editing {
                    self.selected = Some(k);
                    self.notice = None;
                }
            }
            Message::Modify => {
                if let Some(p) = self.current(params)
                    && ctx.can_write()
                {
                    let p = p.clone();
                    self.load_editor(&p, &p.value);
                    self.editing = true;
                    self.notice = None;
                    return (iced::widget::operation::focus("param-value"), None);
                }
            }
            Message::Value(v) => self.value = v,
            m @ (Message::ReasonLabel(..)
            | Message::ReasonLabelEn(..)
            | Message::ReasonRetired(..)
            | Message::ReasonNote(..)
            | Message::NewCode(_)
            | Message::NewLabel(_)
            | Message::AddReason) => self.edit_reasons(m),
            Message::Restore => {
                if let Some(p) = self.current(params) {
                    let p = p.clone();
                    self.load_editor(&p, &p.default);
                }
            }
            Message::Cancel => {
                self.editing = false;
                self.notice = None;
            }
            Message::DismissNotice => self.notice = None,
            Message::Save => return (self.save(ctx, params), None),
            Message::Saved(r) => return self.saved(lang, r),
        }
        (Task::none(), None)
    }

    /// The server's answer to 保存.
    fn saved(
        &mut self,
        lang: Lang,
        r: Result<Parameter, ClientError>,
    ) -> (Task<Message>, Option<Event>) {
        self.busy = false;
        match r {
            Ok(p) => {
                self.editing = false;
                self.notice = Some(Notice::new(
                    i18n::tf(lang, "params.saved", &[("what", &describe(lang, &p))]),
                    Tone::Success,
                ));
                (Task::none(), Some(Event::ParameterSaved(p)))
            }
            Err(e) => {
                // The old value stays; the editor keeps what was typed.
                let why = e
                    .detail()
                    .map_or_else(|| e.user_message(lang), |d| d.message.clone());
                self.notice = Some(Notice::new(
                    i18n::tf(lang, "params.refused", &[("why", &why)]),
                    Tone::Danger,
                ));
                (iced::widget::operation::focus("param-value"), None)
            }
        }
    }

    /// This PC's settings: style, text size, language, sound, server.
    fn update_local(
        &mut self,
        message: Message,
        lang: i18n::Lang,
        settings: &Settings,
    ) -> (Task<Message>, Option<Event>) {
        let set = |s: Settings| (Task::none(), Some(Event::SettingsChanged(s)));
        match message {
            Message::Style(s) => {
                return set(Settings {
                    theme: s,
                    ..settings.clone()
                });
            }
            Message::LargeText(b) => {
                return set(Settings {
                    font_size: if b {
                        crate::config::FontSize::Large
                    } else {
                        crate::config::FontSize::Normal
                    },
                    ..settings.clone()
                });
            }
            Message::Language(c) => {
                return set(Settings {
                    language: c.value,
                    ..settings.clone()
                });
            }
            Message::Sound(b) => {
                return set(Settings {
                    sound: b,
                    ..settings.clone()
                });
            }
            Message::ServerUrl(u) => self.server_url = u,
            Message::SaveServer => {
                let url = self.server_url.trim().to_owned();
                let ok =
                    url.is_empty() || url.starts_with("http://") || url.starts_with("https://");
                if !ok {
                    self.notice = Some(Notice::new(i18n::rule(lang, "invalid_url"), Tone::Danger));
                    return (Task::none(), None);
                }
                self.notice = Some(Notice::new(
                    i18n::t(lang, "system.server_saved"),
                    Tone::Success,
                ));
                return set(Settings {
                    server_url: url,
                    ..settings.clone()
                });
            }
            _ => {}
        }
        (Task::none(), None)
    }

    /// Typing in the reason-list editor.
    fn edit_reasons(&mut self, message: Message) {
        match message {
            Message::ReasonLabel(i, v) => {
                if let Some(r) = self.reasons.get_mut(i) {
                    r.label = v;
                }
            }
            Message::ReasonLabelEn(i, v) => {
                if let Some(r) = self.reasons.get_mut(i) {
                    r.label_en = Some(v).filter(|v| !v.trim().is_empty());
                }
            }
            Message::ReasonRetired(i, b) => {
                if let Some(r) = self.reasons.get_mut(i) {
                    r.retired = b;
                }
            }
            Message::ReasonNote(i, b) => {
                if let Some(r) = self.reasons.get_mut(i) {
                    r.note_required = b;
                }
            }
            Message::NewCode(v) => self.new_code = v,
            Message::NewLabel(v) => self.new_label = v,
            Message::AddReason if !self.new_code.trim().is_empty() => {
                self.reasons.push(Reason {
                    code: self.new_code.trim().to_owned(),
                    label: self.new_label.trim().to_owned(),
                    label_en: None,
                    retired: false,
                    note_required: false,
                });
                self.new_code.clear();
                self.new_label.clear();
            }
            _ => {}
        }
    }

    /// 保存 in the parameter editor: checked here, then sent.
    fn save(&mut self, ctx: &Ctx<'_>, params: &[Parameter]) -> Task<Message> {
        let lang = ctx.lang;
        let Some(p) = self.current(params).cloned() else {
            return Task::none();
        };
        let value = match p.ty {
            ParamType::Reasons => serde_json::to_value(&self.reasons).unwrap_or(Value::Null),
            t if t.is_integer() => match crate::ui::format::parse_param_number(t, &self.value) {
                Ok(n) => Value::from(n),
                Err(code) => {
                    let why = i18n::rule(lang, code);
                    self.notice = Some(Notice::new(
                        i18n::tf(lang, "params.refused", &[("why", &why)]),
                        Tone::Danger,
                    ));
                    // The banner shifts the layout; keep the
                    // cursor where the user was typing.
                    return iced::widget::operation::focus("param-value");
                }
            },
            _ => Value::String(self.value.trim().to_owned()),
        };
        self.busy = true;
        let client = ctx.client.clone();
        let key = p.key.clone();
        Task::perform(
            async move { client.set_parameter(&key, value).await },
            Message::Saved,
        )
    }

    fn current<'p>(&self, params: &'p [Parameter]) -> Option<&'p Parameter> {
        let k = self.selected.as_deref()?;
        params.iter().find(|p| p.key == k)
    }

    /// Draws the screen.
    pub fn view<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        settings: &'a Settings,
        params: &'a [Parameter],
    ) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let cat_button = |c: Category, label: String| {
            button(text(label).size(14))
                .width(Length::Fill)
                .padding([6, 12])
                // Like the main navigation: steady when shown, a highlight
                // under the pointer (iced's hover brightened or paled it).
                .style(if self.category == c {
                    crate::ui::theme::button::nav_current
                } else {
                    crate::ui::theme::button::nav
                })
                .on_press(Message::Category(c))
        };
        let mut cats = column![
            widget::muted(t("system.options")).size(12),
            cat_button(Category::Display, t("system.display")),
            space().height(6),
            widget::muted(t("system.parameters")).size(12),
        ]
        .spacing(4);
        for c in crate::domain::params::CATEGORIES {
            cats = cats.push(cat_button(
                Category::Server(c),
                t(&format!("params.cat.{c}")),
            ));
        }
        cats = cats.push(space().height(6));
        cats = cats.push(cat_button(Category::Local, t("system.local")));
        let left = container(cats)
            .width(170)
            .padding(8)
            .style(crate::ui::theme::container::bordered_box);
        let body: Element<'a, Message> = match self.category {
            Category::Display => self.display_view(ctx, settings),
            Category::Local => self.local_view(ctx, settings),
            Category::Server(cat) => self.params_view(ctx, cat, params),
        };
        let notices = self
            .notice
            .iter()
            .map(|n| widget::notice(ctx.lang, n, Message::DismissNotice))
            .collect();
        let right = widget::over_foot(body, notices);
        row![left, right].spacing(12).padding(12).into()
    }
}
