//! 系统管理: 系统显示风格 (styles chosen from the options on the left),
//! 参数配置 (the manual's layout: categories left, buttons in the middle,
//! the category's parameters right, details below) and 本机设置.

use crate::ui::Element;
use crate::ui::theme::AppTheme as Theme;
use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Length, Task};
use serde_json::Value;

use super::Ctx;
use crate::api::Parameter;
use crate::config::Settings;
use crate::domain::params::{ParamType, Reason};
use crate::i18n::{self, Lang};
use crate::sync::ClientError;
use crate::ui::notice::Notice;
use crate::ui::theme::Tone;
use crate::ui::theme::{self, Style};
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
            Message::Saved(Ok(p)) => {
                self.busy = false;
                self.editing = false;
                self.notice = Some(Notice::new(
                    i18n::tf(lang, "params.saved", &[("what", &describe(lang, &p))]),
                    Tone::Success,
                ));
                return (Task::none(), Some(Event::ParameterSaved(p)));
            }
            Message::Saved(Err(e)) => {
                // The old value stays; the editor keeps what was typed.
                self.busy = false;
                let why = e
                    .detail()
                    .map_or_else(|| e.user_message(lang), |d| d.message.clone());
                self.notice = Some(Notice::new(
                    i18n::tf(lang, "params.refused", &[("why", &why)]),
                    Tone::Danger,
                ));
                return (iced::widget::operation::focus("param-value"), None);
            }
        }
        (Task::none(), None)
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
                .style(if self.category == c {
                    crate::ui::theme::button::primary
                } else {
                    crate::ui::theme::button::text
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

    fn display_view<'a>(&'a self, ctx: &Ctx<'a>, settings: &'a Settings) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let current = settings.theme;
        let mut styles = column![
            text(t("system.display"))
                .size(18)
                .font(crate::ui::font::BOLD)
        ]
        .spacing(8);
        for s in Style::ALL {
            let p = theme::palette(s);
            let swatch = |c: iced::Color| {
                container(space().width(22).height(16)).style(move |_: &Theme| container::Style {
                    background: Some(c.into()),
                    border: iced::Border {
                        color: iced::Color::from_rgb(0.5, 0.5, 0.5),
                        width: 1.0,
                        radius: 2.0.into(),
                    },
                    ..container::Style::default()
                })
            };
            let label = format!(
                "{}{}",
                t(&format!("style.{}", s.key())),
                if s == current {
                    t("system.current")
                } else {
                    String::new()
                }
            );
            styles = styles.push(
                button(
                    row![
                        swatch(p.background),
                        swatch(p.primary),
                        swatch(p.danger),
                        swatch(p.warning),
                        text(label)
                    ]
                    .spacing(6)
                    .align_y(Alignment::Center),
                )
                .style(if s == current {
                    crate::ui::theme::button::primary
                } else {
                    crate::ui::theme::button::secondary
                })
                .padding([6, 10])
                .on_press(Message::Style(s)),
            );
        }
        styles = styles.push(widget::focus::check(
            settings.font_size == crate::config::FontSize::Large,
            t("system.large_text"),
            Some(Message::LargeText),
        ));
        styles = styles.push(widget::muted(t("system.display_hint")).size(12));
        // A preview of the rows clerks read all day, in this style.
        let sample = |label: String, overdue: bool, amber: bool| {
            let tone = amber.then_some(Tone::Warning);
            button(
                row![
                    text(label).width(Length::Fill),
                    text(if amber {
                        "! 03:12".to_owned()
                    } else {
                        String::new()
                    })
                    .style(move |th: &Theme| text::Style {
                        color: tone.filter(|_| !overdue).map(|tn| theme::tone_text(th, tn)),
                    }),
                ]
                .spacing(8),
            )
            .width(Length::Fill)
            .padding([4, 8])
            .style(move |th: &Theme, st| theme::order_row(th, st, false, overdue))
            .on_press(Message::Style(current))
        };
        let preview = column![
            text(t("system.preview")).size(14),
            sample(t("system.preview_normal"), false, false),
            sample(
                format!("{} {}", t("orders.overdue_mark"), t("system.preview_red")),
                true,
                false
            ),
            sample(t("system.preview_amber"), false, true),
        ]
        .spacing(4)
        .width(420);
        // Narrow windows: the preview goes under the styles, not squeezed.
        row![styles, preview].spacing(24).wrap().into()
    }

    fn local_view<'a>(&'a self, ctx: &Ctx<'a>, settings: &'a Settings) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let mut langs = row![].spacing(8);
        for l in Lang::ALL {
            langs = langs.push(
                button(text(i18n::t(l, "lang.name")))
                    .padding([5, 14])
                    .style(if l == settings.language {
                        crate::ui::theme::button::primary
                    } else {
                        crate::ui::theme::button::secondary
                    })
                    .on_press(Message::Language(lang_choice(l))),
            );
        }
        column![
            text(t("system.local")).size(18).font(crate::ui::font::BOLD),
            widget::field(t("system.language"), langs, None),
            widget::focus::check(settings.sound, t("system.sound"), Some(Message::Sound)),
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
        .max_width(720)
        .into()
    }

    fn params_view<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        cat: &'static str,
        params: &'a [Parameter],
    ) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let can = ctx.can_write() && !self.busy;
        let in_cat: Vec<&Parameter> = params.iter().filter(|p| p.category == cat).collect();
        // The operation buttons sit in the middle, as in the manual.
        let buttons = column![
            widget::tool(
                t("params.modify"),
                (can && !self.editing && self.selected.is_some()).then_some(Message::Modify)
            ),
            widget::save_button(
                ctx.lang,
                (can && self.editing).then_some(Message::Save),
                self.busy
            ),
            widget::secondary(
                t("params.restore"),
                (can && self.editing).then_some(Message::Restore)
            ),
            widget::secondary(t("action.cancel"), self.editing.then_some(Message::Cancel)),
        ]
        .spacing(8)
        .width(110);
        let mut list = column![
            text(t(&format!("params.cat.{cat}")))
                .size(16)
                .font(crate::ui::font::BOLD)
        ]
        .spacing(2);
        if in_cat.is_empty() {
            list = list.push(widget::muted(t("params.loading")).size(12));
        }
        for p in &in_cat {
            let selected = self.selected.as_deref() == Some(p.key.as_str());
            let shown = shown_value(ctx, p);
            list = list.push(
                button(
                    row![
                        text(describe(ctx.lang, p))
                            .size(13)
                            .width(Length::FillPortion(3)),
                        text(shown).size(13).width(Length::FillPortion(2))
                    ]
                    .spacing(8),
                )
                .width(Length::Fill)
                .padding([4, 8])
                .style(if selected {
                    crate::ui::theme::button::primary
                } else {
                    crate::ui::theme::button::text
                })
                .on_press(Message::Select(p.key.clone())),
            );
        }
        if !ctx.can_write() {
            list = list.push(widget::muted(t("params.read_only")).size(12));
        }
        let top = row![
            buttons,
            container(scrollable(list).spacing(4))
                .width(Length::Fill)
                .height(Length::FillPortion(3))
                .padding(6)
                .style(crate::ui::theme::container::bordered_box)
        ]
        .spacing(12);
        let details = self.param_details(ctx, params);
        column![
            top,
            container(scrollable(details).spacing(4))
                .width(Length::Fill)
                .height(Length::FillPortion(2))
                .padding(8)
                .style(crate::ui::theme::container::bordered_box)
        ]
        .spacing(10)
        .height(Length::Fill)
        .into()
    }

    /// The selected parameter's facts, and its editor while editing.
    fn param_details<'a>(&'a self, ctx: &Ctx<'a>, params: &'a [Parameter]) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        match self.current(params) {
            None => widget::muted(t("params.pick_hint")).into(),
            Some(p) => {
                let num = |n| crate::ui::format::param_number(p.ty, n);
                let range = match (p.min, p.max) {
                    (Some(a), Some(b)) => format!("{} – {}", num(a), num(b)),
                    _ if !p.choices.is_empty() => p.choices.join(" / "),
                    _ => "—".into(),
                };
                let who = match (&p.updated_by, p.updated_at) {
                    (Some(w), Some(at)) => format!("{w} · {}", crate::ui::format::short_time(at)),
                    _ => t("params.never_changed"),
                };
                let kv = |k: &str, v: String| {
                    row![text(ctx.t(k)).size(13).width(110), text(v).size(13)].spacing(8)
                };
                let mut col = column![
                    kv("params.key", p.key.clone()),
                    kv("params.description", describe(ctx.lang, p)),
                    kv("params.type", t(&format!("params.type.{}", unit(p.ty)))),
                    kv("params.range", range),
                    kv("params.default", shown(ctx, p.ty, &p.default)),
                    kv("params.changed", who),
                ]
                .spacing(4);
                if self.editing {
                    col = col.push(self.editor(ctx, p));
                }
                col.into()
            }
        }
    }

    fn editor<'a>(&'a self, ctx: &Ctx<'a>, p: &'a Parameter) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        match p.ty {
            ParamType::Reasons => {
                let mut col = column![text(t("params.edit_reasons")).size(14)].spacing(4);
                for (i, r) in self.reasons.iter().enumerate() {
                    col = col.push(
                        row![
                            text(r.code.clone()).size(12).width(160),
                            text_input(&t("params.label_zh"), &r.label)
                                .on_input(move |v| Message::ReasonLabel(i, v))
                                .padding(4)
                                .width(160),
                            text_input(&t("params.label_en"), r.label_en.as_deref().unwrap_or(""))
                                .on_input(move |v| Message::ReasonLabelEn(i, v))
                                .padding(4)
                                .width(160),
                            widget::focus::check(
                                r.note_required,
                                t("params.note_required"),
                                Some(move |b| Message::ReasonNote(i, b))
                            ),
                            widget::focus::check(
                                r.retired,
                                t("params.retired"),
                                Some(move |b| Message::ReasonRetired(i, b))
                            ),
                        ]
                        .spacing(8)
                        .align_y(Alignment::Center),
                    );
                }
                col.push(
                    row![
                        text_input(&t("params.new_code"), &self.new_code)
                            .on_input(Message::NewCode)
                            .on_submit(Message::AddReason)
                            .padding(4)
                            .width(160),
                        text_input(&t("params.new_label"), &self.new_label)
                            .on_input(Message::NewLabel)
                            .on_submit(Message::AddReason)
                            .padding(4)
                            .width(180),
                        widget::secondary(t("params.add_reason"), Some(Message::AddReason)),
                    ]
                    .spacing(8),
                )
                .into()
            }
            ParamType::Choice => {
                let current = Some(self.value.clone());
                widget::focus::choose(p.choices.to_vec(), current, Message::Value).into()
            }
            ty => row![
                text(t("params.new_value")).size(13),
                text_input("", &self.value)
                    .id("param-value")
                    .on_input(Message::Value)
                    .on_submit(Message::Save)
                    .padding(6)
                    .width(240),
                text(t(&format!("unit.{}", unit(ty)))).size(13),
            ]
            .spacing(8)
            .align_y(Alignment::Center)
            .into(),
        }
    }
}

fn unit(ty: ParamType) -> &'static str {
    match ty {
        ParamType::Int => "int",
        ParamType::Minutes => "minutes",
        ParamType::Seconds => "seconds",
        ParamType::Fen => "fen",
        ParamType::Grams => "grams",
        ParamType::Cm3 => "cm3",
        ParamType::Metres => "metres",
        ParamType::Url => "url",
        ParamType::Pattern => "pattern",
        ParamType::Choice => "choice",
        ParamType::Reasons => "reasons",
    }
}

/// A parameter's value as the list shows it.
fn shown_value(ctx: &Ctx<'_>, p: &Parameter) -> String {
    shown(ctx, p.ty, &p.value)
}

/// A value as people read it: live reasons by label in the current
/// language (never raw JSON), a number in its unit (2 元, not 200 分).
fn shown(ctx: &Ctx<'_>, ty: ParamType, v: &Value) -> String {
    let t = |k: &str| ctx.t(k);
    match ty {
        ParamType::Reasons => {
            let r: Vec<Reason> = serde_json::from_value(v.clone()).unwrap_or_default();
            r.iter()
                .filter(|x| !x.retired)
                .map(|x| x.label_in(ctx.lang).to_owned())
                .collect::<Vec<_>>()
                .join(&t("list.separator"))
        }
        ty => {
            let u = t(&format!("unit.{}", unit(ty)));
            if u == "—" {
                value_text(ty, v)
            } else {
                format!("{} {u}", value_text(ty, v))
            }
        }
    }
}
