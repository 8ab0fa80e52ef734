//! Logging in (the cache is handed over first), the offline read-only
//! view, an expired session, and logging out.

use iced::Task;
use iced::widget::{column, text};

use super::{App, Main, Message, Page, Pages, Screen, ServerChoice, SyncStatus};
use crate::api::{SessionResponse, SessionUser};
use crate::domain::clock::ClockAnchor;
use crate::i18n;
use crate::store::StoreError;
use crate::sync::HubClient;
use crate::ui::screen::login;
use crate::ui::sync_sub;
use crate::ui::theme::Tone;
use crate::ui::{Element, widget};

/// The logged-in (or offline-viewing) user.
pub(super) struct Session {
    pub(super) user: SessionUser,
    pub(super) client: HubClient,
    /// Distinguishes logins, so each gets its own sync engine.
    pub(super) id: u64,
    /// Viewing the cache without a login: no sync.
    pub(super) offline_only: bool,
}

impl App {
    pub(super) fn login(&mut self, m: login::Message) -> Task<Message> {
        let Screen::Login { form, .. } = &mut self.screen else {
            return Task::none();
        };
        let (task, event) = form.update(m, &self.client);
        let task = task.map(Message::Login);
        let store = self.store.clone();
        let follow = match event {
            Some(login::Event::LoggedIn(s, password)) => self.logged_in(s, password),
            Some(login::Event::Refused {
                login: who,
                password,
            }) => Task::perform(
                async move {
                    let p = password.map(|p| p.expose().to_owned());
                    let forgot = store.run(move |st| st.forget_password(&who, p.as_deref()));
                    if let Err(e) = forgot.await {
                        tracing::warn!("dropping the offline password failed: {e}");
                    }
                },
                |_| Message::Done,
            ),
            Some(login::Event::Offline {
                login: who,
                password,
            }) => Task::perform(
                async move {
                    store
                        .run(move |st| {
                            st.offline_login(&who, password.expose(), chrono::Utc::now())
                        })
                        .await
                },
                |r| Message::Login(login::Message::OfflineAnswered(r)),
            ),
            Some(login::Event::OfflineOpened(user)) => self.offline_view(user),
            Some(login::Event::Language(l)) => {
                let settings = crate::config::Settings {
                    language: l,
                    ..self.settings.clone()
                };
                self.settings_changed(settings)
            }
            None => Task::none(),
        };
        Task::batch([task, follow])
    }

    /// Another user's cached orders must never show, nor their queued
    /// actions go out under this token: the cache is handed over first
    /// (on a worker thread), and the login goes on only if that worked.
    /// The password's verifier is kept for the offline view (item 6 of
    /// issue 14), refreshed at every online login.
    fn logged_in(&mut self, s: SessionResponse, password: login::Password) -> Task<Message> {
        let store = self.store.clone();
        let user = s.user.clone();
        Task::perform(
            async move {
                store
                    .run(move |st| {
                        st.claim(&user.login)?;
                        if let Err(e) = st.remember_password(&user, password.expose()) {
                            tracing::warn!("keeping the offline password failed: {e}");
                        }
                        Ok(st.clock_anchor().unwrap_or(None))
                    })
                    .await
            },
            move |r| Message::Claimed(Box::new(s), r),
        )
    }

    pub(super) fn claimed(
        &mut self,
        s: SessionResponse,
        claim: Result<Option<ClockAnchor>, StoreError>,
    ) -> Task<Message> {
        let saved_clock = match claim {
            Ok(a) => a,
            Err(e) => {
                tracing::error!("claiming the cache: {e}");
                self.notices.push(self.t("cache.claim_failed"));
                return Task::none();
            }
        };
        let client = self.client.with_token(Some(s.token.clone()));
        self.settings.last_login = s.user.login.clone();
        let settings = self.settings.clone();
        let path = self.paths.settings_file();
        let paused = match std::mem::replace(&mut self.screen, Screen::login("")) {
            Screen::Login { paused, .. } => paused,
            Screen::Main(m) => Some(m),
        };
        // The same user logging in again (expired token) keeps the running
        // engine and hands it the new token; anyone else starts afresh.
        let main = match paused {
            Some(mut m) if m.session.user.login == s.user.login && !m.session.offline_only => {
                if let Some(tx) = &self.sync.commands {
                    let _ = tx.send(sync_sub::Command::Client(client.clone()));
                }
                m.session.user = s.user.clone();
                m.session.client = client;
                m
            }
            _ => {
                self.sessions += 1;
                self.sync = SyncStatus {
                    saved_clock,
                    ..SyncStatus::default()
                };
                // Nothing of the previous user's screens (drafts, staff
                // results with phone numbers) may show to this one.
                Box::new(Main {
                    session: Session {
                        user: s.user.clone(),
                        client,
                        id: self.sessions,
                        offline_only: false,
                    },
                    pages: Pages::new(&self.settings, Page::Orders),
                })
            }
        };
        self.screen = Screen::Main(main);
        self.online = true;
        self.notices.clear();
        let store = self.store.clone();
        let user = s.user;
        self.last_user = Some(user.clone());
        Task::batch([
            self.load_cached_network(),
            self.fetch_network(),
            self.fetch_params(),
            Task::perform(
                async move {
                    if let Err(e) = store.run(move |st| st.set_last_user(&user)).await {
                        tracing::warn!("remembering the last user failed: {e}");
                    }
                    super::save_settings(settings, path).await
                },
                |_| Message::Done,
            ),
        ])
    }

    /// Opens the main window on `user`'s cached data only, read-only,
    /// once the cache's clock offset is read. Only after the cache checked
    /// their password.
    fn offline_view(&mut self, user: SessionUser) -> Task<Message> {
        self.last_user = Some(user);
        let store = self.store.clone();
        Task::perform(async move { store.run(|s| s.clock_anchor()).await }, |r| {
            Message::OfflineReady(r.unwrap_or(None))
        })
    }

    pub(super) fn offline_ready(&mut self, clock: Option<ClockAnchor>) -> Task<Message> {
        let Some(user) = self.last_user.clone() else {
            return Task::none();
        };
        self.sessions += 1;
        self.screen = Screen::Main(Box::new(Main {
            session: Session {
                user,
                client: self.client.clone(),
                id: self.sessions,
                offline_only: true,
            },
            pages: Pages::new(&self.settings, Page::Outlets),
        }));
        self.online = false;
        self.sync.saved_clock = clock;
        self.load_cached_network()
    }

    /// The session (and its sync engine and outbox) stays behind the login
    /// form until someone logs in; the same user resumes where it stopped.
    pub(super) fn session_expired(&mut self) -> Task<Message> {
        let mut form = login::State::new(&self.settings.last_login);
        form.notice = Some(self.t("login.session_expired"));
        let paused = match std::mem::replace(&mut self.screen, Screen::login("")) {
            Screen::Login { paused, .. } => paused,
            Screen::Main(m) => Some(m),
        };
        self.screen = Screen::Login { form, paused };
        iced::widget::operation::focus("password")
    }

    /// 退出登录: asks first when actions wait or a form is unsaved.
    /// 退出登录 always asks first: one stray click must not end the
    /// session (the dialog also says what would be lost).
    pub(super) fn logout(&mut self) -> Task<Message> {
        self.dialog = Some(super::AppDialog::Logout);
        crate::ui::widget::focus::blur()
    }

    pub(super) fn logout_now(&mut self) -> Task<Message> {
        self.dialog = None;
        let old = std::mem::replace(&mut self.screen, Screen::login(&self.settings.last_login));
        let client = match old {
            Screen::Main(m)
            | Screen::Login {
                paused: Some(m), ..
            } => Some(m.session.client),
            Screen::Login { paused: None, .. } => None,
        };
        self.sync = SyncStatus::default();
        match client.filter(|c| c.token().is_some()) {
            Some(c) => Task::perform(async move { c.logout().await }, |_| Message::Done),
            None => Task::none(),
        }
    }

    pub(super) fn login_view<'a>(&'a self, form: &'a login::State) -> Element<'a, Message> {
        let (server, accounts) = match &self.server {
            ServerChoice::Remote(u) => (
                i18n::tf(self.lang(), "login.server", &[("url", u)]),
                &[][..],
            ),
            ServerChoice::Embedded { url, accounts } => (
                i18n::tf(self.lang(), "login.server_embedded", &[("url", url)]),
                accounts.as_slice(),
            ),
        };
        let can_offline = self.last_user.is_some();
        let login = form
            .view(self.lang(), server, accounts, can_offline)
            .map(Message::Login);
        if self.notices.is_empty() {
            return login;
        }
        let mut col = column![].spacing(4).padding(8);
        for n in &self.notices {
            col = col.push(widget::banner(text(n.as_str()), Tone::Warning));
        }
        column![col, login].into()
    }
}
