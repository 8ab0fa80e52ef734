//! The application: login, then the main window with the left navigation,
//! the top bar (user and outlet) and the status bar (server connection).

use std::time::Duration;

use crate::ui::Element;
use crate::ui::theme::AppTheme as Theme;
use chrono::{DateTime, Local};
use iced::keyboard::{self, Key, key::Named};
use iced::widget::{button, column, container, row, space, text};
use iced::{Length, Subscription, Task};

use super::screen::{self, Ctx, Event, login, orders, outlets, staff, system};
use super::sync_sub;
use super::widget::{self, Tone};
use super::{font, theme};
use crate::api::{OutletList, SessionResponse, SessionUser};
use crate::config::{Paths, Settings};
use crate::domain::{Outlet, OutletTree, Role};
use crate::i18n::{self, Lang};
use crate::store::{Store, StoreError};
use crate::sync::{ClientError, HubClient};

pub use screen::login::DemoAccount;

/// Which server the client talks to.
#[derive(Debug, Clone)]
pub enum ServerChoice {
    /// A company order-hub at this URL.
    Remote(String),
    /// The in-process demo hub, with the accounts to show on the login
    /// screen.
    Embedded {
        url: String,
        accounts: Vec<DemoAccount>,
    },
}

impl ServerChoice {
    /// The server's base URL.
    pub fn url(&self) -> &str {
        match self {
            ServerChoice::Remote(u) => u,
            ServerChoice::Embedded { url, .. } => url,
        }
    }
}

/// Everything the app needs to start; made by `main` or by a test.
#[derive(Debug, Clone)]
pub struct Boot {
    pub paths: Paths,
    pub settings: Settings,
    pub server: ServerChoice,
    pub store: Store,
    /// Problems met while starting (bad settings file, cache kept aside),
    /// shown once on the login screen.
    pub notices: Vec<String>,
}

/// A page of the main window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// 阿里订单受理.
    Orders,
    /// 网点管理.
    Outlets,
    /// 员工管理.
    Staff,
    /// 系统管理.
    System,
}

/// Top-level messages.
#[derive(Debug, Clone)]
pub enum Message {
    /// A login screen message.
    Login(login::Message),
    /// A 网点管理 message.
    Outlets(outlets::Message),
    /// A 员工管理 message.
    Staff(staff::Message),
    /// A 系统管理 message.
    System(system::Message),
    /// A 阿里订单受理 message.
    Orders(orders::Message),
    /// The sync engine said something.
    Sync(sync_sub::Event),
    /// The server's parameters arrived.
    Params(Result<Vec<crate::api::Parameter>, ClientError>),
    /// A second passed: countdowns move.
    Clock,
    /// A navigation entry was clicked.
    Nav(Page),
    /// 退出登录 pressed: asks first when work would be left behind.
    Logout,
    /// 退出登录 confirmed (or nothing to lose).
    LogoutNow,
    /// 取消 in the logout confirmation.
    LogoutCancel,
    /// The server's network list arrived (or failed).
    NetworkFetched(Result<OutletList, ClientError>),
    /// The cached network was read.
    NetworkCached(Result<(i64, Vec<Outlet>), StoreError>),
    /// Periodic connection check.
    Tick,
    /// A second start on this data dir asked us to come to the front.
    ShowWindow,
    /// The tray menu was used.
    Tray(super::tray::Command),
    /// The window's close button.
    CloseRequested(iced::window::Id),
    /// 知道了 on the first close-to-tray notice: hide now.
    HideToTray,
    /// Quit: at once, or after the outbox is sent.
    Quit(QuitChoice),
    /// The connection check answered.
    Health(bool),
    /// 重试 on the offline banner.
    Retry,
    /// A key nobody else handled.
    Key(Key, keyboard::Modifiers),
    /// A background write finished; errors are logged.
    Done,
}

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
enum AppDialog {
    /// The first close to the tray explains itself.
    TrayNotice,
    /// Quitting with unsent actions.
    QuitWithPending,
    /// Logging out with unsent actions or an unsaved form.
    Logout,
    /// 发送后退出 chosen: sending, then quitting.
    Sending,
}

/// The logged-in (or offline-viewing) user.
struct Session {
    user: SessionUser,
    client: HubClient,
    /// Distinguishes logins, so each gets its own sync engine.
    id: u64,
    /// Viewing the cache without a login: no sync.
    offline_only: bool,
}

/// What the status bar says about sync.
#[derive(Debug, Clone, Default)]
struct SyncStatus {
    commands: Option<tokio::sync::mpsc::UnboundedSender<sync_sub::Command>>,
    pending: i64,
    last: Option<DateTime<Local>>,
    error: Option<String>,
    offset_ms: i64,
    /// Server time at the last pull, with the monotonic clock then: "now"
    /// is that plus the time elapsed since, so a PC clock that jumps (a
    /// time sync, a manual change while offline) cannot recolour the list.
    anchor: Option<(DateTime<chrono::Utc>, std::time::Instant)>,
}

impl SyncStatus {
    /// The server's clock now, as well as we know it.
    fn server_now(&self) -> DateTime<chrono::Utc> {
        match self.anchor {
            Some((server, at)) => {
                server + chrono::Duration::from_std(at.elapsed()).unwrap_or_default()
            }
            // Not pulled yet this session: the last known offset.
            None => chrono::Utc::now() + chrono::Duration::milliseconds(self.offset_ms),
        }
    }
}

enum Screen {
    Login(login::State),
    Main,
}

/// The whole client.
pub struct App {
    paths: Paths,
    settings: Settings,
    server: ServerChoice,
    store: Store,
    client: HubClient,
    session: Option<Session>,
    screen: Screen,
    page: Page,
    tree: OutletTree,
    revision: i64,
    online: bool,
    last_refresh: Option<DateTime<Local>>,
    last_error: Option<String>,
    notices: Vec<String>,
    outlets: outlets::State,
    staff: staff::State,
    system: system::State,
    orders: orders::State,
    params: crate::domain::params::ClientParams,
    /// The server's parameters as listed (for 参数配置).
    param_list: Vec<crate::api::Parameter>,
    sync: SyncStatus,
    sessions: u64,
    /// Ticks since the parameters were last fetched.
    params_age: u32,
    /// The parameter revision the feed last reported.
    params_revision: Option<i64>,
    dialog: Option<AppDialog>,
    alerter: super::alert::Alerter,
    /// Quit as soon as the outbox is empty.
    quit_when_sent: bool,
    /// Who last logged in on this PC, for the offline (read-only) view.
    last_user: Option<crate::api::SessionUser>,
}

/// The screens' context, borrowing only the fields it needs so the screen
/// states can be updated beside it.
macro_rules! ctx {
    ($app:ident) => {
        $app.session.as_ref().map(|s| Ctx {
            lang: $app.settings.language,
            client: &s.client,
            store: &$app.store,
            tree: &$app.tree,
            user: &s.user,
            online: $app.online,
            now: $app.sync.server_now(),
            params: &$app.params,
        })
    };
}

/// Builds the iced application around `boot`.
pub fn application(
    boot: Boot,
) -> iced::Application<impl iced::Program<State = App, Message = Message, Theme = Theme>> {
    iced::application(move || App::new(boot.clone()), App::update, App::view)
        .title(App::title)
        .theme(App::theme)
        .subscription(App::subscription)
        .font(font::CJK_BYTES)
        .default_font(font::DEFAULT)
        .window_size((1280.0, 700.0))
        .scale_factor(App::scale)
        // Closing may mean "to the tray"; the app decides.
        .exit_on_close_request(false)
}

impl App {
    /// The starting state: the login screen.
    pub fn new(boot: Boot) -> (App, Task<Message>) {
        let lang = boot.settings.language;
        let transport = boot.settings.transport().unwrap_or_else(|e| {
            tracing::error!("{e}");
            crate::sync::Transport::default()
        });
        let client = match HubClient::with_transport(boot.server.url(), lang, &transport) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("http client: {e}");
                // reqwest only fails here without a TLS backend; keep going
                // so the user sees the login screen and its error.
                HubClient::new("http://127.0.0.1:9", lang).unwrap_or_else(|_| unreachable_client())
            }
        };
        let mut app = App {
            system: system::State::new(&boot.settings),
            screen: Screen::Login(login::State::new(&boot.settings.last_login)),
            paths: boot.paths,
            settings: boot.settings,
            server: boot.server,
            store: boot.store,
            client,
            session: None,
            page: Page::Outlets,
            tree: OutletTree::default(),
            revision: 0,
            online: true,
            last_refresh: None,
            last_error: None,
            notices: boot.notices,
            outlets: outlets::State::default(),
            staff: staff::State::default(),
            orders: orders::State::default(),
            params: crate::domain::params::ClientParams::default(),
            param_list: Vec::new(),
            sync: SyncStatus::default(),
            sessions: 0,
            params_age: 0,
            params_revision: None,
            dialog: None,
            alerter: super::alert::Alerter::default(),
            quit_when_sent: false,
            last_user: None,
        };
        app.last_user = app.store.last_user().unwrap_or_else(|e| {
            tracing::warn!("cache: last user unreadable: {e}");
            None
        });
        let focus = if app.settings.last_login.is_empty() {
            "login"
        } else {
            "password"
        };
        (app, iced::widget::operation::focus(focus))
    }

    fn lang(&self) -> Lang {
        self.settings.language
    }

    fn t(&self, key: &str) -> String {
        i18n::t(self.lang(), key)
    }

    /// The window title.
    /// The window title; it carries the count of orders waiting for a
    /// first call, so the taskbar shows it while the window is behind.
    pub fn title(&self) -> String {
        let waiting = self.orders.uncontacted();
        if self.session.is_some() && waiting > 0 {
            i18n::tf(
                self.lang(),
                "app.window_title_waiting",
                &[("n", &waiting.to_string())],
            )
        } else {
            self.t("app.window_title")
        }
    }

    /// 1.0, or larger for the "large" font size (older clerks' eyes).
    pub fn scale(&self) -> f32 {
        if self.settings.font_size == "large" {
            1.15
        } else {
            1.0
        }
    }

    /// The theme of the chosen display style.
    pub fn theme(&self) -> Theme {
        theme::theme(theme::Style::parse(&self.settings.theme))
    }

    /// Periodic connection checks and keyboard shortcuts.
    pub fn subscription(&self) -> Subscription<Message> {
        let mut subs = vec![
            Subscription::run(show_requests),
            Subscription::run(tray_commands),
            iced::window::close_requests().map(Message::CloseRequested),
        ];
        if let Some(s) = &self.session {
            subs.push(iced::time::every(Duration::from_secs(5)).map(|_| Message::Tick));
            if !s.offline_only {
                subs.push(
                    sync_sub::subscription(sync_sub::Key {
                        session: s.id,
                        client: s.client.clone(),
                        store: self.store.clone(),
                        interval: self.params.sync_interval,
                        page_size: self.params.page_size,
                    })
                    .map(Message::Sync),
                );
            }
            if self.page == Page::Orders {
                subs.push(iced::time::every(Duration::from_secs(1)).map(|_| Message::Clock));
            }
        }
        Subscription::batch(subs)
    }

    fn ctx(&self) -> Option<Ctx<'_>> {
        ctx!(self)
    }

    /// Handles one message.
    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Login(m) => {
                let Screen::Login(state) = &mut self.screen else {
                    return Task::none();
                };
                let (task, event) = state.update(m, &self.client);
                let task = task.map(Message::Login);
                match event {
                    Some(login::Event::LoggedIn(s)) => Task::batch([task, self.logged_in(s)]),
                    Some(login::Event::Offline) => Task::batch([task, self.offline_view()]),
                    None => task,
                }
            }
            Message::Outlets(m) => {
                let Some(ctx) = ctx!(self) else {
                    return Task::none();
                };
                let (task, event) = self.outlets.update(m, &ctx);
                Task::batch([task.map(Message::Outlets), self.on_event(event)])
            }
            Message::Staff(m) => {
                let Some(ctx) = ctx!(self) else {
                    return Task::none();
                };
                let (task, event) = self.staff.update(m, &ctx);
                Task::batch([task.map(Message::Staff), self.on_event(event)])
            }
            Message::Orders(m) => {
                let alert = if let orders::Message::Uncontacted(n) = &m {
                    if *n != self.orders.uncontacted() {
                        super::tray::set_waiting(self.lang(), *n);
                    }
                    self.alert(*n)
                } else {
                    Task::none()
                };
                let Some(ctx) = ctx!(self) else {
                    return Task::none();
                };
                let (task, event) = self.orders.update(m, &ctx);
                Task::batch([task.map(Message::Orders), self.on_event(event), alert])
            }
            Message::Sync(sync_sub::Event::Ready(tx)) => {
                self.sync.commands = Some(tx);
                Task::none()
            }
            Message::Sync(sync_sub::Event::Report(r)) => self.sync_report(r),
            Message::Params(Ok(list)) => {
                self.param_list = list.clone();
                let before = (self.params.sync_interval, self.params.page_size);
                self.params = crate::domain::params::ClientParams::from_values(
                    list.iter().map(|p| (p.key.as_str(), &p.value)),
                );
                if before != (self.params.sync_interval, self.params.page_size)
                    && let Some(tx) = &self.sync.commands
                {
                    let _ = tx.send(sync_sub::Command::Tune(
                        self.params.sync_interval,
                        self.params.page_size,
                    ));
                }
                Task::none()
            }
            Message::Params(Err(e)) => {
                tracing::warn!("parameters: {e}");
                Task::none()
            }
            Message::Clock => Task::none(),
            Message::Tray(super::tray::Command::Show) => self.update(Message::ShowWindow),
            Message::Tray(super::tray::Command::SyncNow) => self.on_event(Some(Event::SyncNow)),
            Message::Tray(super::tray::Command::Quit) => {
                self.update(Message::Quit(QuitChoice::Ask))
            }
            Message::CloseRequested(id) => {
                if !super::tray::closes_to_tray() {
                    return self.update(Message::Quit(QuitChoice::Ask));
                }
                if !self.settings.tray_notice_seen {
                    self.dialog = Some(AppDialog::TrayNotice);
                    return iced::window::gain_focus(id);
                }
                iced::window::set_mode(id, iced::window::Mode::Hidden)
            }
            Message::HideToTray => {
                self.dialog = None;
                self.settings.tray_notice_seen = true;
                let (settings, path) = (self.settings.clone(), self.paths.settings_file());
                Task::batch([
                    Task::perform(save_settings(settings, path), |_| Message::Done),
                    iced::window::latest().then(|id| match id {
                        Some(id) => iced::window::set_mode(id, iced::window::Mode::Hidden),
                        None => Task::none(),
                    }),
                ])
            }
            Message::Quit(choice) => match choice {
                QuitChoice::Ask if self.sync.pending > 0 => {
                    self.dialog = Some(AppDialog::QuitWithPending);
                    self.update(Message::ShowWindow)
                }
                QuitChoice::Ask | QuitChoice::Now => iced::exit(),
                QuitChoice::AfterSending => {
                    // Stays on screen with the count, so nobody wonders
                    // whether the client is stuck (offline, it may wait).
                    self.dialog = Some(AppDialog::Sending);
                    self.quit_when_sent = true;
                    self.on_event(Some(Event::SyncNow))
                }
                QuitChoice::Cancel => {
                    self.dialog = None;
                    self.quit_when_sent = false;
                    Task::none()
                }
            },
            Message::ShowWindow => iced::window::latest().then(|id| match id {
                Some(id) => Task::batch([
                    iced::window::set_mode(id, iced::window::Mode::Windowed),
                    iced::window::minimize(id, false),
                    iced::window::gain_focus(id),
                ]),
                None => Task::none(),
            }),
            Message::System(m) => {
                let Some(ctx) = ctx!(self) else {
                    return Task::none();
                };
                let (task, event) = self
                    .system
                    .update(m, &ctx, &self.settings, &self.param_list);
                Task::batch([task.map(Message::System), self.on_event(event)])
            }
            Message::Nav(p) => {
                self.page = p;
                match p {
                    Page::Staff => self.update(Message::Staff(staff::Message::Query)),
                    Page::Orders => self.update(Message::Orders(orders::Message::Reload)),
                    _ => Task::none(),
                }
            }
            Message::Logout => {
                if self.sync.pending > 0 || self.any_unsaved_form() {
                    self.dialog = Some(AppDialog::Logout);
                    return Task::none();
                }
                self.update(Message::LogoutNow)
            }
            Message::LogoutCancel => {
                self.dialog = None;
                Task::none()
            }
            Message::LogoutNow => {
                self.dialog = None;
                let client = self.session.take().map(|s| s.client);
                self.screen = Screen::Login(login::State::new(&self.settings.last_login));
                self.outlets = outlets::State::default();
                self.staff = staff::State::default();
                self.orders = orders::State::default();
                self.sync = SyncStatus::default();
                self.page = Page::Orders;
                match client.filter(|c| c.token().is_some()) {
                    Some(c) => Task::perform(async move { c.logout().await }, |_| Message::Done),
                    None => Task::none(),
                }
            }
            Message::NetworkFetched(Ok(list)) => {
                self.online = true;
                self.last_error = None;
                self.last_refresh = Some(Local::now());
                let store = self.store.clone();
                let (rev, outlets) = (list.revision, list.outlets.clone());
                let reload = self.set_network(list.revision, list.outlets);
                Task::batch([
                    reload,
                    Task::perform(
                        async move { store.run(move |s| s.replace_outlets(rev, &outlets)).await },
                        |r| {
                            if let Err(e) = r {
                                tracing::warn!("caching outlets failed: {e}");
                            }
                            Message::Done
                        },
                    ),
                ])
            }
            Message::NetworkFetched(Err(e)) => self.client_failed(&e),
            Message::NetworkCached(Ok((rev, outlets))) => {
                // The server's answer may already have arrived; never let
                // the older cache replace it.
                if self.last_refresh.is_none() && !outlets.is_empty() {
                    return self.set_network(rev, outlets);
                }
                Task::none()
            }
            Message::NetworkCached(Err(e)) => {
                self.last_error = Some(e.user_message(self.lang()));
                Task::none()
            }
            Message::Tick => {
                let client = self.client.clone();
                let health = Task::perform(
                    async move { client.health().await.is_ok() },
                    Message::Health,
                );
                // Parameters change rarely; every 30 s is "at once" for a
                // clerk, and cheap.
                self.params_age += 1;
                if self.params_age >= 6 {
                    self.params_age = 0;
                    return Task::batch([health, self.fetch_params()]);
                }
                health
            }
            Message::Health(up) => {
                let was = self.online;
                self.online = up;
                if up && !was {
                    return self.fetch_network();
                }
                Task::none()
            }
            Message::Retry => self.fetch_network(),
            Message::Key(key, mods) => self.key(key, mods),
            Message::Done => Task::none(),
        }
    }

    fn logged_in(&mut self, s: SessionResponse) -> Task<Message> {
        let client = self.client.with_token(Some(s.token.clone()));
        self.settings.last_login = s.user.login.clone();
        let settings = self.settings.clone();
        let path = self.paths.settings_file();
        // Another user's cached orders must never show, nor their queued
        // actions go out under this token: if the cache cannot be handed
        // over, do not log in.
        if let Err(e) = self.store.claim(&s.user.login) {
            tracing::error!("claiming the cache: {e}");
            self.notices.push(self.t("cache.claim_failed"));
            return Task::none();
        }
        // The same user logging in again (expired token) keeps the running
        // engine and hands it the new token; anyone else starts afresh.
        let same_user = self
            .session
            .as_ref()
            .is_some_and(|old| old.user.login == s.user.login && !old.offline_only);
        if same_user {
            if let Some(tx) = &self.sync.commands {
                let _ = tx.send(sync_sub::Command::Client(client.clone()));
            }
        } else {
            self.sessions += 1;
            self.sync = SyncStatus {
                offset_ms: self.store.server_offset_ms().unwrap_or(0),
                ..SyncStatus::default()
            };
            // Nothing of the previous user's screens (drafts, staff
            // results with phone numbers) may show to this one.
            self.orders = orders::State::default();
            self.outlets = outlets::State::default();
            self.staff = staff::State::default();
            self.system = system::State::new(&self.settings);
            self.page = Page::Orders;
        }
        self.session = Some(Session {
            user: s.user.clone(),
            client,
            id: self.sessions,
            offline_only: false,
        });
        self.screen = Screen::Main;
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
                    let _ = store.run(move |st| st.set_last_user(&user)).await;
                    save_settings(settings, path).await
                },
                |_| Message::Done,
            ),
        ])
    }

    /// Opens the main window on cached data only, read-only.
    fn offline_view(&mut self) -> Task<Message> {
        let Some(user) = self.last_user.clone() else {
            return Task::none();
        };
        self.sessions += 1;
        self.session = Some(Session {
            user,
            client: self.client.clone(),
            id: self.sessions,
            offline_only: true,
        });
        self.online = false;
        self.screen = Screen::Main;
        self.sync.offset_ms = self.store.server_offset_ms().unwrap_or(0);
        self.load_cached_network()
    }

    fn load_cached_network(&self) -> Task<Message> {
        let store = self.store.clone();
        Task::perform(
            async move {
                store
                    .run(|s| Ok((s.outlet_revision()?, s.outlets()?)))
                    .await
            },
            Message::NetworkCached,
        )
    }

    /// A notification and the chime when orders arrive, and again every
    /// few minutes while any still waits for a first call.
    fn alert(&mut self, waiting: i64) -> Task<Message> {
        let repeat = self.params.alert_repeat.to_std().unwrap_or_default();
        if !self
            .alerter
            .should_alert(waiting, repeat, std::time::Instant::now())
        {
            return Task::none();
        }
        let title = i18n::t(self.lang(), "alert.title");
        let body = i18n::tf(
            self.lang(),
            "orders.new_alert",
            &[("n", &waiting.to_string())],
        );
        let sound = self.settings.sound.then(|| self.paths.data_dir.clone());
        // Fire and forget on its own thread: a slow notification service
        // must never hold up the window (or a test waiting for tasks).
        let spawned = std::thread::Builder::new()
            .name("alert".into())
            .spawn(move || {
                super::alert::notify(&title, &body);
                if let Some(dir) = sound {
                    super::alert::play_chime(&dir);
                }
            });
        if let Err(e) = spawned {
            tracing::warn!("alert thread: {e}");
        }
        Task::none()
    }

    fn fetch_params(&self) -> Task<Message> {
        let Some(s) = &self.session else {
            return Task::none();
        };
        let client = s.client.clone();
        Task::perform(async move { client.parameters().await }, Message::Params)
    }

    fn sync_report(&mut self, r: crate::sync::engine::Report) -> Task<Message> {
        self.sync.pending = r.pending;
        if self.quit_when_sent && r.pending == 0 {
            return iced::exit();
        }
        if let Some(ms) = r.server_offset_ms {
            self.sync.offset_ms = ms;
            self.sync.anchor = Some((
                chrono::Utc::now() + chrono::Duration::milliseconds(ms),
                std::time::Instant::now(),
            ));
        }
        if r.need_login {
            return self.on_event(Some(Event::SessionExpired));
        }
        let was = self.online;
        self.online = r.online;
        if r.online && r.error.is_none() {
            self.sync.last = Some(Local::now());
        }
        self.sync.error = match &r.error {
            // The banner already says the server is away; the details go
            // to the log.
            Some(e) if !r.online => {
                tracing::info!("sync: {e}");
                Some(self.t("net.offline"))
            }
            other => other.clone(),
        };
        self.orders
            .synced(self.settings.language, r.pushed, r.rejected);
        let mut tasks = Vec::new();
        // An administrator changed a parameter: fetch them now, so e.g. a
        // new overdue threshold re-colours the list within one poll.
        if r.params_revision.is_some() && r.params_revision != self.params_revision {
            if self.params_revision.is_some() {
                tasks.push(self.fetch_params());
            }
            self.params_revision = r.params_revision;
        }
        if r.online && !was {
            tasks.push(self.fetch_network());
        }
        if r.changed() || r.online != was {
            let Some(ctx) = ctx!(self) else {
                return Task::none();
            };
            tasks.push(self.orders.reload(&ctx).map(Message::Orders));
        }
        Task::batch(tasks)
    }

    fn fetch_network(&self) -> Task<Message> {
        let Some(s) = &self.session else {
            return Task::none();
        };
        let client = s.client.clone();
        Task::perform(
            async move { client.outlets().await },
            Message::NetworkFetched,
        )
    }

    fn set_network(&mut self, revision: i64, outlets: Vec<Outlet>) -> Task<Message> {
        self.revision = revision;
        self.tree = OutletTree::new(outlets);
        let Some(ctx) = ctx!(self) else {
            return Task::none();
        };
        self.outlets.network_changed(&ctx);
        self.staff.network_changed(&ctx);
        self.orders.network_changed(&ctx);
        self.orders.reload(&ctx).map(Message::Orders)
    }

    fn client_failed(&mut self, e: &ClientError) -> Task<Message> {
        match e {
            ClientError::Unreachable(_) => self.on_event(Some(Event::Unreachable)),
            ClientError::Http { status: 401, .. } => self.on_event(Some(Event::SessionExpired)),
            other => {
                self.last_error = Some(other.user_message(self.lang()));
                Task::none()
            }
        }
    }

    fn on_event(&mut self, event: Option<Event>) -> Task<Message> {
        let Some(event) = event else {
            return Task::none();
        };
        match event {
            Event::OutletSaved(o) => {
                let mut all: Vec<Outlet> = self.all_outlets();
                match all.iter_mut().find(|x| x.code == o.code) {
                    Some(x) => *x = o.clone(),
                    None => all.push(o.clone()),
                }
                let reload = self.set_network(self.revision, all);
                let store = self.store.clone();
                Task::batch([
                    reload,
                    Task::perform(
                        async move { store.run(move |s| s.put_outlet(&o)).await },
                        |_| Message::Done,
                    ),
                ])
            }
            Event::OutletDeleted(code) => {
                let all: Vec<Outlet> = self
                    .all_outlets()
                    .into_iter()
                    .filter(|o| o.code != code)
                    .collect();
                let reload = self.set_network(self.revision, all);
                let store = self.store.clone();
                Task::batch([
                    reload,
                    Task::perform(
                        async move { store.run(move |s| s.remove_outlet(&code)).await },
                        |_| Message::Done,
                    ),
                ])
            }
            Event::RefreshNetwork => self.fetch_network(),
            Event::ParameterSaved(p) => {
                match self.param_list.iter_mut().find(|x| x.key == p.key) {
                    Some(x) => *x = p,
                    None => self.param_list.push(p),
                }
                self.update(Message::Params(Ok(self.param_list.clone())))
            }
            Event::ActionQueued | Event::SyncNow => {
                if let Some(tx) = &self.sync.commands {
                    let _ = tx.send(sync_sub::Command::SyncNow);
                }
                Task::none()
            }
            Event::Unreachable => {
                self.online = false;
                self.last_error = Some(self.t("net.offline"));
                Task::none()
            }
            Event::SessionExpired => {
                // The session (and its sync engine and outbox) stays until
                // someone logs in; the same user resumes where it stopped.
                let mut st = login::State::new(&self.settings.last_login);
                st.notice = Some(self.t("login.session_expired"));
                self.screen = Screen::Login(st);
                iced::widget::operation::focus("password")
            }
            Event::SettingsChanged(s) => {
                let lang_changed = s.language != self.settings.language;
                self.settings = s;
                if lang_changed {
                    let lang = self.settings.language;
                    super::tray::set_language(lang);
                    super::tray::set_waiting(lang, self.orders.uncontacted());
                    self.client = self.client.with_lang(lang);
                    if let Some(sess) = self.session.as_mut() {
                        sess.client = sess.client.with_lang(lang);
                    }
                    let tree = std::mem::take(&mut self.tree);
                    let all: Vec<Outlet> = outlets_of(&tree);
                    let reload = self.set_network(self.revision, all);
                    let (settings, path) = (self.settings.clone(), self.paths.settings_file());
                    return Task::batch([
                        reload,
                        Task::perform(save_settings(settings, path), |_| Message::Done),
                    ]);
                }
                let (settings, path) = (self.settings.clone(), self.paths.settings_file());
                Task::perform(save_settings(settings, path), |_| Message::Done)
            }
        }
    }

    /// A form with changes not yet saved, on any screen.
    fn any_unsaved_form(&self) -> bool {
        self.outlets.is_editing() || self.staff.is_editing() || self.system.is_editing()
    }

    fn all_outlets(&self) -> Vec<Outlet> {
        outlets_of(&self.tree)
    }

    fn key(&mut self, key: Key, mods: keyboard::Modifiers) -> Task<Message> {
        use outlets::Shortcut as S;
        if let Key::Named(Named::Tab) = key {
            return if mods.shift() {
                iced::widget::operation::focus_previous()
            } else {
                iced::widget::operation::focus_next()
            };
        }
        // A window-wide dialog owns the keyboard: nothing underneath (an
        // order action, a delete) may fire behind it.
        if let Some(d) = self.dialog {
            let enter = matches!(key, Key::Named(Named::Enter));
            let escape = matches!(key, Key::Named(Named::Escape));
            return match d {
                AppDialog::TrayNotice if enter || escape => self.update(Message::HideToTray),
                AppDialog::QuitWithPending if escape => {
                    self.update(Message::Quit(QuitChoice::Cancel))
                }
                AppDialog::QuitWithPending if enter => {
                    self.update(Message::Quit(QuitChoice::AfterSending))
                }
                AppDialog::Logout if escape => self.update(Message::LogoutCancel),
                AppDialog::Sending if escape => self.update(Message::Quit(QuitChoice::Cancel)),
                _ => Task::none(),
            };
        }
        if !matches!(self.screen, Screen::Main) {
            return Task::none();
        }
        if self.page == Page::Orders {
            return match self.orders.key(&key, mods) {
                Some(m) => self.update(Message::Orders(m)),
                None => Task::none(),
            };
        }
        let shortcut = match (key.as_ref(), mods.command()) {
            (Key::Character("n"), true) => Some(S::New),
            (Key::Character("e"), true) => Some(S::Edit),
            (Key::Character("s"), true) => Some(S::Save),
            (Key::Character("y"), false) => Some(S::Yes),
            (Key::Character("n"), false) => Some(S::No),
            (Key::Named(Named::Escape), _) => Some(S::Escape),
            (Key::Named(Named::Delete), _) => Some(S::Delete),
            (Key::Named(Named::F5), _) => Some(S::Refresh),
            _ => None,
        };
        let Some(sc) = shortcut else {
            return Task::none();
        };
        let message = match self.page {
            Page::Outlets => self.outlets.shortcut(sc).map(Message::Outlets),
            Page::Staff => self.staff.shortcut(sc).map(Message::Staff),
            Page::System => self.system.shortcut(sc).map(Message::System),
            Page::Orders => None,
        };
        message.map_or_else(Task::none, |m| self.update(m))
    }

    /// Draws the window; keys no widget took become shortcuts.
    pub fn view(&self) -> Element<'_, Message> {
        super::widget::shortcuts::shortcuts(self.screen_view(), |k, m| {
            Some(Message::Key(k.clone(), m))
        })
    }

    fn screen_view(&self) -> Element<'_, Message> {
        // Window-wide dialogs (tray notice, quit) show over any screen.
        match self.dialog {
            None => self.screen_body(),
            Some(d) => widget::modal(self.screen_body(), self.dialog_view(d)),
        }
    }

    fn screen_body(&self) -> Element<'_, Message> {
        match &self.screen {
            Screen::Login(state) => {
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
                let login = state
                    .view(self.lang(), server, accounts, can_offline)
                    .map(Message::Login);
                if self.notices.is_empty() {
                    login
                } else {
                    let mut col = column![].spacing(4).padding(8);
                    for n in &self.notices {
                        col = col.push(widget::banner(text(n.as_str()), Tone::Warning));
                    }
                    column![col, login].into()
                }
            }
            Screen::Main => self.main_view(),
        }
    }

    fn dialog_view(&self, d: AppDialog) -> Element<'_, Message> {
        match d {
            AppDialog::TrayNotice => column![
                text(self.t("tray.notice_title")).size(18),
                text(self.t("tray.notice")),
                widget::tool(self.t("orders.dismiss_ok"), Some(Message::HideToTray)),
            ]
            .spacing(14)
            .width(440)
            .into(),
            AppDialog::Logout => {
                let mut col = column![text(self.t("logout.title")).size(18)].spacing(14);
                if self.sync.pending > 0 {
                    col = col.push(text(i18n::tf(
                        self.lang(),
                        "logout.pending",
                        &[("n", &self.sync.pending.to_string())],
                    )));
                }
                if self.any_unsaved_form() {
                    col = col.push(text(self.t("logout.unsaved")));
                }
                col.push(
                    row![
                        button(text(self.t("logout.confirm")))
                            .padding([6, 18])
                            .style(super::theme::button::danger)
                            .on_press(Message::LogoutNow),
                        widget::secondary(self.t("action.cancel"), Some(Message::LogoutCancel)),
                    ]
                    .spacing(10),
                )
                .width(480)
                .into()
            }
            AppDialog::Sending => {
                let mut col = column![
                    text(self.t("quit.sending_title")).size(18),
                    text(i18n::tf(
                        self.lang(),
                        "quit.sending",
                        &[("n", &self.sync.pending.to_string())]
                    )),
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
            AppDialog::QuitWithPending => column![
                text(self.t("quit.title")).size(18),
                text(i18n::tf(
                    self.lang(),
                    "quit.pending",
                    &[("n", &self.sync.pending.to_string())]
                )),
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

    fn main_view(&self) -> Element<'_, Message> {
        let Some(ctx) = self.ctx() else {
            return text("").into();
        };
        let content: Element<'_, Message> = match self.page {
            Page::Orders => self.orders.view(&ctx).map(Message::Orders),
            Page::Outlets => self.outlets.view(&ctx).map(Message::Outlets),
            Page::Staff => self.staff.view(&ctx).map(Message::Staff),
            Page::System => self
                .system
                .view(&ctx, &self.settings, &self.param_list)
                .map(Message::System),
        };
        let mut main = column![].width(Length::Fill).height(Length::Fill);
        if !self.online {
            main = main.push(
                container(widget::banner(
                    row![
                        text(i18n::tf(
                            self.lang(),
                            "net.offline_banner",
                            &[("url", self.server.url())]
                        ))
                        .width(Length::Fill),
                        widget::tool(self.t("login.retry"), Some(Message::Retry)),
                    ]
                    .spacing(10)
                    .align_y(iced::Alignment::Center),
                    Tone::Warning,
                ))
                .padding([6, 12]),
            );
        }
        main = main.push(content);
        column![
            self.top_bar(&ctx),
            row![self.nav(&ctx), main].height(Length::Fill),
            self.status_bar(),
        ]
        .into()
    }

    fn top_bar(&self, ctx: &Ctx<'_>) -> Element<'_, Message> {
        let on_chrome = |t: &Theme| text::Style {
            color: Some(theme::on_chrome(t)),
        };
        let user = ctx.user;
        let outlet = self
            .tree
            .get(&user.outlet_code)
            .map_or(user.outlet_code.clone(), |o| o.name.clone());
        let who = i18n::tf(
            self.lang(),
            "top.user",
            &[
                ("name", &user.name),
                ("login", &user.login),
                ("role", &self.t(&format!("role.{}", user.role.as_str()))),
                ("outlet", &outlet),
            ],
        );
        container(
            row![
                text(self.t("app.title"))
                    .size(18)
                    .font(font::BOLD)
                    .style(on_chrome),
                text(self.t("app.subtitle")).size(13).style(on_chrome),
                space::horizontal(),
                text(who).size(13).style(on_chrome),
                button(text(self.t("top.logout")).size(13))
                    .style(crate::ui::theme::button::secondary)
                    .padding([3, 10])
                    .on_press(Message::Logout),
            ]
            .spacing(14)
            .align_y(iced::Alignment::Center),
        )
        .padding([8, 14])
        .width(Length::Fill)
        .style(|t: &Theme| container::Style {
            background: Some(theme::chrome(t).into()),
            ..container::Style::default()
        })
        .into()
    }

    fn nav(&self, ctx: &Ctx<'_>) -> Element<'_, Message> {
        let item = |page: Page, key: &str| {
            let active = self.page == page;
            button(text(self.t(key)).size(14))
                .width(Length::Fill)
                .padding([6, 18])
                .style(if active {
                    crate::ui::theme::button::primary
                } else {
                    crate::ui::theme::button::text
                })
                .on_press(Message::Nav(page))
        };
        let group = |key: &str| widget::muted(self.t(key)).size(12);
        let waiting = self.orders.uncontacted();
        let orders_label = if waiting > 0 {
            i18n::tf(
                self.lang(),
                "nav.orders_badge",
                &[("n", &waiting.to_string())],
            )
        } else {
            self.t("nav.orders")
        };
        let orders_item = button(text(orders_label).size(14))
            .width(Length::Fill)
            .padding([6, 18])
            .style(if self.page == Page::Orders {
                crate::ui::theme::button::primary
            } else if waiting > 0 {
                crate::ui::theme::button::warning
            } else {
                crate::ui::theme::button::text
            })
            .on_press(Message::Nav(Page::Orders));
        let mut col = column![
            group("nav.ali"),
            orders_item,
            space().height(10),
            group("nav.base_data"),
            item(Page::Outlets, "nav.outlets")
        ]
        .spacing(4);
        if ctx.user.role == Role::Admin {
            col = col.push(item(Page::Staff, "nav.staff"));
        }
        col = col.push(space().height(10));
        col = col.push(group("nav.system"));
        col = col.push(item(Page::System, "nav.system_settings"));
        container(col.padding(10))
            .width(196)
            .height(Length::Fill)
            .style(crate::ui::theme::container::bordered_box)
            .into()
    }

    fn status_bar(&self) -> Element<'_, Message> {
        let lang = self.lang();
        let state = if self.online {
            self.t("status.online")
        } else {
            self.t("status.offline")
        };
        let dot = text("●").style(move |t: &Theme| {
            let p = t.extended_palette();
            text::Style {
                color: Some(if self.online {
                    p.success.base.color
                } else {
                    p.danger.base.color
                }),
            }
        });
        let refreshed = self
            .last_refresh
            .map(|t| t.format("%H:%M:%S").to_string())
            .unwrap_or_else(|| "—".into());
        let mut bar = row![
            dot,
            text(format!("{state} · {}", self.server.url())).size(12),
            text("|").size(12),
            text(i18n::tf(
                lang,
                "status.network",
                &[
                    ("n", &self.tree.len().to_string()),
                    ("rev", &self.revision.to_string())
                ]
            ))
            .size(12),
            text("|").size(12),
            text(i18n::tf(lang, "status.refreshed", &[("time", &refreshed)])).size(12),
        ]
        .spacing(8)
        .align_y(iced::Alignment::Center);
        bar = bar.push(text("|").size(12));
        bar = bar.push(
            text(i18n::tf(
                lang,
                "status.pending_actions",
                &[("n", &self.sync.pending.to_string())],
            ))
            .size(12),
        );
        let synced = self
            .sync
            .last
            .map(|t| t.format("%H:%M:%S").to_string())
            .unwrap_or_else(|| "—".into());
        bar = bar.push(text("|").size(12));
        bar = bar.push(text(i18n::tf(lang, "status.synced", &[("time", &synced)])).size(12));
        if let Some(e) = &self.sync.error {
            bar = bar.push(text("|").size(12));
            bar = bar.push(widget::error_line(e.as_str()));
        }
        if let Some(e) = &self.last_error {
            bar = bar.push(text("|").size(12));
            bar = bar.push(widget::error_line(e.as_str()));
        }
        container(bar)
            .padding([4, 12])
            .width(Length::Fill)
            .style(crate::ui::theme::container::bordered_box)
            .into()
    }
}

/// Tray menu clicks (see `tray`).
fn tray_commands() -> impl iced::futures::Stream<Item = Message> {
    iced::stream::channel(4, async |mut out| {
        use iced::futures::SinkExt;
        let Some(mut rx) = super::tray::commands() else {
            std::future::pending::<()>().await;
            return;
        };
        while let Some(c) = rx.recv().await {
            if out.send(Message::Tray(c)).await.is_err() {
                return;
            }
        }
    })
}

/// "Come to the front" requests from a second start (see `instance`).
fn show_requests() -> impl iced::futures::Stream<Item = Message> {
    iced::stream::channel(4, async |mut out| {
        use iced::futures::SinkExt;
        let Some(mut rx) = crate::instance::show_requests() else {
            std::future::pending::<()>().await;
            return;
        };
        while rx.recv().await.is_some() {
            if out.send(Message::ShowWindow).await.is_err() {
                return;
            }
        }
    })
}

fn outlets_of(tree: &OutletTree) -> Vec<Outlet> {
    widget::outlet_choices(tree)
        .into_iter()
        .filter_map(|c| tree.get(&c.value).cloned())
        .collect()
}

async fn save_settings(settings: Settings, path: std::path::PathBuf) {
    let r = tokio::task::spawn_blocking(move || settings.save(&path)).await;
    match r {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!("saving settings failed: {e}"),
        Err(e) => tracing::warn!("saving settings failed: {e}"),
    }
}

fn unreachable_client() -> HubClient {
    // Both constructors failed: nothing sensible is left; the process has
    // no working HTTP stack at all.
    panic!("no HTTP client can be built on this system")
}
