//! 登录: login name and password; wrong login and wrong password read the
//! same; an unreachable server says so and offers 重试.

use crate::ui::Element;
use iced::widget::{button, center, column, container, row, text, text_input};
use iced::{Alignment, Length, Task};

use crate::api::{SessionResponse, SessionUser};
use crate::i18n::{self, Lang};
use crate::store::{OfflineCheck, StoreError};
use crate::sync::{ClientError, HubClient};
use crate::ui::theme::Tone;
use crate::ui::widget;

/// A demo account shown on the login screen in embedded mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub login: String,
    pub name: String,
    pub role: String,
    pub password: String,
}

/// The login screen.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub login: String,
    pub password: String,
    busy: bool,
    error: Option<LoginError>,
    /// A message carried over (e.g. "session expired").
    pub notice: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum LoginError {
    BadCredentials,
    /// The server is away; with why the offline view did not open, when
    /// it was tried.
    Unreachable(Option<String>),
    Other(String),
}

/// A typed password on its way to the cache's verifier; never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// The password itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Login screen messages.
#[derive(Debug, Clone)]
pub enum Message {
    /// The login field changed.
    LoginChanged(String),
    /// The password field changed.
    PasswordChanged(String),
    /// 登录 pressed or Enter in a field.
    Submit,
    /// A demo account was picked: fill both fields.
    UseAccount(String, String),
    /// The server answered the login.
    Answered(Result<SessionResponse, ClientError>),
    /// 离线查看: open the cached data read-only (after the password).
    OfflineView,
    /// The language link on the login screen: a clerk who cannot read the
    /// current language must be able to switch before logging in.
    Language(Lang),
    /// The cache checked the password for the offline view.
    OfflineAnswered(Result<OfflineCheck, StoreError>),
}

/// What the app must do after a login-screen update.
#[derive(Debug, Clone)]
pub enum Event {
    /// The server let the user in; the password is for the offline
    /// verifier.
    LoggedIn(SessionResponse, Password),
    /// The server refused `login`: deactivated (`password` None) or a
    /// wrong password, which may be an old one the cache still knows.
    Refused {
        login: String,
        password: Option<Password>,
    },
    /// Check this password against the cache's verifier.
    Offline { login: String, password: Password },
    /// The verifier matched: view this user's cache read-only.
    OfflineOpened(SessionUser),
    /// Switch the whole app (and this PC's setting) to a language.
    Language(Lang),
}

impl State {
    /// A login screen pre-filled with the last login.
    pub fn new(last_login: &str) -> Self {
        State {
            login: last_login.to_owned(),
            ..State::default()
        }
    }

    /// Handles one message.
    pub fn update(
        &mut self,
        message: Message,
        client: &HubClient,
    ) -> (Task<Message>, Option<Event>) {
        match message {
            Message::LoginChanged(v) => self.login = v,
            Message::PasswordChanged(v) => self.password = v,
            Message::UseAccount(l, p) => {
                self.login = l;
                self.password = p;
                self.error = None;
                return (iced::widget::operation::focus("password"), None);
            }
            Message::Submit => {
                if self.busy || self.login.trim().is_empty() {
                    return (Task::none(), None);
                }
                self.busy = true;
                self.error = None;
                self.notice = None;
                let client = client.clone();
                let (login, password) = (self.login.trim().to_owned(), self.password.clone());
                return (
                    Task::perform(
                        async move { client.login(&login, &password).await },
                        Message::Answered,
                    ),
                    None,
                );
            }
            Message::Answered(result) => {
                self.busy = false;
                match result {
                    Ok(session) => {
                        let password = Password(std::mem::take(&mut self.password));
                        return (Task::none(), Some(Event::LoggedIn(session, password)));
                    }
                    // A refused password is cleared and its field focused:
                    // retyping must not append to the wrong one.
                    Err(e) if e.status() == Some(401) => {
                        self.error = Some(LoginError::BadCredentials);
                        let password = Password(std::mem::take(&mut self.password));
                        let refused = Event::Refused {
                            login: self.login.trim().to_owned(),
                            password: Some(password),
                        };
                        return (iced::widget::operation::focus("password"), Some(refused));
                    }
                    Err(e) if e.is_unreachable() => {
                        self.error = Some(LoginError::Unreachable(None))
                    }
                    Err(e) => {
                        self.error = Some(LoginError::Other(e.user_message(client.lang())));
                        if e.code() == Some("account_deactivated") {
                            let refused = Event::Refused {
                                login: self.login.trim().to_owned(),
                                password: None,
                            };
                            return (Task::none(), Some(refused));
                        }
                    }
                }
            }
            Message::OfflineView => {
                if self.busy {
                    return (Task::none(), None);
                }
                self.busy = true;
                let offline = Event::Offline {
                    login: self.login.trim().to_owned(),
                    password: Password(self.password.clone()),
                };
                return (Task::none(), Some(offline));
            }
            Message::OfflineAnswered(answer) => {
                self.busy = false;
                let lang = client.lang();
                let why = match answer {
                    Ok(OfflineCheck::Open(user)) => {
                        self.password.clear();
                        return (Task::none(), Some(Event::OfflineOpened(user)));
                    }
                    Ok(OfflineCheck::Refused) => i18n::t(lang, "login.bad_credentials"),
                    Ok(OfflineCheck::Wait(d)) => {
                        let secs = d.as_secs_f64().ceil().max(1.0).to_string();
                        i18n::tf(lang, "login.offline_wait", &[("secs", &secs)])
                    }
                    Ok(OfflineCheck::NoVerifier) => i18n::t(lang, "login.offline_no_password"),
                    Err(e) => e.user_message(lang),
                };
                self.error = Some(LoginError::Unreachable(Some(why)));
                self.password.clear();
                return (iced::widget::operation::focus("password"), None);
            }
            Message::Language(l) => return (Task::none(), Some(Event::Language(l))),
        }
        (Task::none(), None)
    }

    /// Draws the screen. `server` is the address line; `accounts` are the
    /// demo accounts (embedded mode only); `can_offline` offers read-only
    /// viewing of the cache.
    pub fn view<'a>(
        &'a self,
        lang: Lang,
        server: String,
        accounts: &'a [DemoAccount],
        can_offline: bool,
    ) -> Element<'a, Message> {
        let t = |k: &str| i18n::t(lang, k);
        let submit = (!self.busy && !self.login.trim().is_empty()).then_some(Message::Submit);
        let langs = language_links(lang);
        let mut form = column![
            row![
                text(t("app.title")).size(26).font(crate::ui::font::BOLD),
                iced::widget::space::horizontal(),
                langs
            ]
            .align_y(Alignment::Center),
            widget::muted(t("app.subtitle")).size(14),
            widget::field(
                t("login.login"),
                text_input(&t("login.login_placeholder"), &self.login)
                    .id("login")
                    .on_input(Message::LoginChanged)
                    .on_submit_maybe(submit.clone())
                    .padding(8),
                None,
            ),
            widget::field(
                t("login.password"),
                text_input(&t("login.password_placeholder"), &self.password)
                    .id("password")
                    .secure(true)
                    .on_input(Message::PasswordChanged)
                    .on_submit_maybe(submit.clone())
                    .padding(8),
                None,
            ),
        ]
        .spacing(12)
        .width(440);
        if let Some(n) = &self.notice {
            form = form.push(widget::banner(text(n.as_str()), Tone::Warning));
        }
        if let Some(e) = self.error_banner(lang, can_offline) {
            form = form.push(e);
        }
        let label = if self.busy {
            t("login.busy")
        } else {
            t("login.submit")
        };
        form = form.push(
            button(text(label).width(Length::Fill).align_x(Alignment::Center))
                .width(Length::Fill)
                .padding(8)
                .on_press_maybe(submit),
        );
        form = form.push(widget::muted(server).size(12));
        if !accounts.is_empty() {
            form = form.push(demo_accounts(lang, accounts));
        }
        center(
            container(form)
                .padding(24)
                .style(crate::ui::theme::container::rounded_box),
        )
        .into()
    }

    /// Why the last login failed; when the server is out of reach, 重试
    /// and (with a cache) offline viewing.
    fn error_banner(&self, lang: Lang, can_offline: bool) -> Option<Element<'_, Message>> {
        let t = |k: &str| i18n::t(lang, k);
        Some(match self.error.as_ref()? {
            LoginError::BadCredentials => {
                widget::banner(text(t("login.bad_credentials")), Tone::Danger)
            }
            LoginError::Unreachable(why) => {
                let mut actions =
                    row![widget::tool(t("login.retry"), Some(Message::Submit))].spacing(8);
                if can_offline {
                    actions = actions.push(widget::secondary(
                        t("login.offline_view"),
                        Some(Message::OfflineView),
                    ));
                }
                let mut lines = column![text(t("login.unreachable"))].spacing(8);
                if let Some(why) = why {
                    lines = lines.push(text(why.as_str()));
                }
                if can_offline {
                    lines = lines.push(widget::muted(t("login.offline_hint")).size(13));
                }
                widget::banner(lines.push(actions), Tone::Danger)
            }
            LoginError::Other(m) => widget::banner(text(m.as_str()), Tone::Danger),
        })
    }
}

/// Each language offered in its own name, so it reads whatever the
/// current one is.
fn language_links<'a>(lang: Lang) -> Element<'a, Message> {
    let mut langs = row![].spacing(8);
    for l in [Lang::ZhCn, Lang::En] {
        let name = i18n::t(l, "lang.name");
        langs = langs.push(if l == lang {
            widget::muted(name).size(13).into()
        } else {
            Element::from(
                button(text(name).size(13))
                    .padding([2, 6])
                    .style(crate::ui::theme::button::text)
                    .on_press(Message::Language(l)),
            )
        });
    }
    langs.into()
}

/// The embedded demo's accounts; a click fills the form.
fn demo_accounts(lang: Lang, accounts: &[DemoAccount]) -> Element<'_, Message> {
    let t = |k: &str| i18n::t(lang, k);
    let mut list = column![text(t("login.demo_accounts")).size(14)].spacing(2);
    for a in accounts {
        list = list.push(
            button(
                row![
                    text(a.login.as_str()).size(14).width(90),
                    text(a.name.as_str()).size(14).width(Length::Fill),
                    widget::muted(i18n::t(lang, &format!("role.{}", a.role)))
                        .size(13)
                        .width(100),
                ]
                .spacing(8),
            )
            .padding([2, 6])
            .style(crate::ui::theme::button::text)
            .width(Length::Fill)
            .on_press(Message::UseAccount(a.login.clone(), a.password.clone())),
        );
    }
    let pw = accounts.first().map(|a| a.password.as_str()).unwrap_or("");
    list =
        list.push(widget::muted(i18n::tf(lang, "login.demo_hint", &[("password", pw)])).size(12));
    container(list)
        .padding(10)
        .style(crate::ui::theme::container::bordered_box)
        .into()
}
