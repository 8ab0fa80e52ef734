//! The application: login, then the main window with the left navigation,
//! the top bar (user and outlet) and the status bar (server connection).
//!
//! `update` is a flat match: each arm hands its message to one named
//! method, here or in the module that owns that part of the window —
//! `session` (login, logout, offline view), `network` (the outlet network,
//! health checks, parameters, sync reports), `modal` (window-wide dialogs,
//! quitting, the tray) and `chrome` (top bar, navigation, status bar).

mod chrome;
mod modal;
mod network;
mod pages;
mod session;

use crate::ui::network_data::NetworkData;
use std::time::Duration;

use crate::ui::Element;
use crate::ui::theme::AppTheme as Theme;
use chrono::DateTime;
use iced::keyboard::{self, Key, key::Named};
use iced::{Subscription, Task};

use super::screen::{self, Ctx, login, orders, outlets, rates, report, staff, system, waybill};
use super::sync_sub;
use super::widget::{self, shortcuts::Shortcut};
use super::{font, theme};
use crate::api::{OutletList, SessionResponse, SessionUser};
use crate::config::{FontSize, Paths, Settings};
use crate::domain::Outlet;
use crate::i18n::{self, Lang};
use crate::store::{Store, StoreError};
use crate::sync::{ClientError, HubClient};

use modal::AppDialog;
pub use modal::QuitChoice;
use network::SyncStatus;
use session::Session;

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
    /// 开单.
    Waybill,
    /// 价格方案.
    Rates,
    /// 报表 → 阿里巴巴成交比.
    Report,
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
    /// A 开单 message.
    Waybill(waybill::Message),
    /// A 价格方案 message.
    Rates(rates::Message),
    /// A 阿里巴巴成交比 message.
    Report(report::Message),
    /// Who last logged in on this PC was read from the cache.
    LastUser(Option<SessionUser>),
    /// The cache was handed to the user who just logged in (with the
    /// server clock anchor it holds), or could not be.
    Claimed(
        Box<SessionResponse>,
        Result<Option<crate::domain::clock::ClockAnchor>, StoreError>,
    ),
    /// The cache's clock anchor was read for the offline view.
    OfflineReady(Option<crate::domain::clock::ClockAnchor>),
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
    /// The first frame was drawn (the bench's start figure only).
    FirstFrame,
    /// A network built off the GUI thread is ready to show.
    NetworkBuilt(Box<network::Built>),
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
    /// Background work finished; what failed is in the log.
    Done,
}

/// What the window shows: the login form, or the main window. A session
/// that expired waits behind the login form (its sync engine and outbox
/// keep going) until someone logs in.
enum Screen {
    Login {
        form: login::State,
        paused: Option<Box<Main>>,
    },
    Main(Box<Main>),
}

impl Screen {
    fn login(last_login: &str) -> Screen {
        Screen::Login {
            form: login::State::new(last_login),
            paused: None,
        }
    }

    /// The session and its pages, shown or paused behind the login form.
    fn main(&self) -> Option<&Main> {
        match self {
            Screen::Main(m)
            | Screen::Login {
                paused: Some(m), ..
            } => Some(m),
            Screen::Login { paused: None, .. } => None,
        }
    }

    fn main_mut(&mut self) -> Option<&mut Main> {
        match self {
            Screen::Main(m)
            | Screen::Login {
                paused: Some(m), ..
            } => Some(m),
            Screen::Login { paused: None, .. } => None,
        }
    }
}

/// The main window's data: who is logged in and each page's state.
struct Main {
    session: Session,
    pages: Pages,
}

/// Each page's state; apart from the session so that a page can be
/// updated while its context borrows the session.
struct Pages {
    shown: Page,
    orders: orders::State,
    outlets: outlets::State,
    staff: staff::State,
    system: system::State,
    waybill: waybill::State,
    rates: rates::State,
    report: report::State,
}

impl Pages {
    fn new(settings: &Settings, shown: Page) -> Pages {
        Pages {
            shown,
            orders: orders::State::default(),
            outlets: outlets::State::default(),
            staff: staff::State::default(),
            system: system::State::new(settings),
            waybill: waybill::State::default(),
            rates: rates::State::default(),
            report: report::State::default(),
        }
    }

    /// A form with changes not yet saved, on any page.
    fn any_unsaved_form(&self) -> bool {
        self.outlets.is_editing() || self.staff.is_editing() || self.system.is_editing()
    }
}

/// The whole client.
pub struct App {
    paths: Paths,
    settings: Settings,
    server: ServerChoice,
    store: Store,
    client: HubClient,
    screen: Screen,
    /// The network shown: the tree and the pickers' shared entries.
    net: NetworkData,
    revision: i64,
    /// Counts network builds started: only the newest is shown.
    network_gen: u64,
    online: bool,
    last_refresh: Option<DateTime<chrono::Utc>>,
    last_error: Option<String>,
    notices: Vec<String>,
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
    last_user: Option<SessionUser>,
}

/// Builds the iced application around `boot`.
pub fn application(
    boot: Boot,
) -> iced::Application<impl iced::Program<State = App, Message = Message, Theme = Theme>> {
    iced::application(move || App::new(boot.clone()), App::update, App::view)
        .title(App::title)
        .theme(App::theme)
        .subscription(App::subscription)
        // The CJK font goes into iced's text system by `font::load`
        // (`App::new` waits for it), not by `.font(..)`, which copies it.
        .default_font(font::DEFAULT)
        // Outlet PCs run 1366×768 and 1024×768; below 960×600 nothing is
        // laid out to be usable.
        .window(iced::window::Settings {
            size: iced::Size::new(1280.0, 700.0),
            min_size: Some(iced::Size::new(960.0, 600.0)),
            ..iced::window::Settings::default()
        })
        .scale_factor(App::scale)
        // Closing may mean "to the tray"; the app decides.
        .exit_on_close_request(false)
}

/// What the screens read: the session's user and client beside the app's
/// shared data. A macro, not a method, so each field is borrowed on its own
/// and `pages` can lend the pages mutably beside it.
macro_rules! screen_ctx {
    ($app:ident, $session:expr) => {
        Ctx {
            lang: $app.settings.language,
            client: &$session.client,
            store: &$app.store,
            tree: &$app.net.tree,
            user: &$session.user,
            online: $app.online,
            now: $app.sync.server_now(),
            params: &$app.params,
            export: $app.settings.export_prefs(),
        }
    };
}

impl App {
    /// The starting state: the login screen.
    pub fn new(boot: Boot) -> (App, Task<Message>) {
        // Everything below runs on this thread; the cache is reached only
        // through tasks from now on.
        crate::store::mark_gui_thread();
        let lang = boot.settings.language;
        // Before the first layout: no text is shaped without the CJK font.
        super::warm::fonts_ready();
        let client = match super::warm::client(boot.server.url(), &boot.settings) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("http client: {e}");
                // reqwest only fails here without a TLS backend; keep going
                // so the user sees the login screen and its error.
                HubClient::new("http://127.0.0.1:9", lang).unwrap_or_else(|_| unreachable_client())
            }
        };
        let app = App {
            screen: Screen::login(&boot.settings.last_login),
            paths: boot.paths,
            settings: boot.settings,
            server: boot.server,
            store: boot.store,
            client,
            net: NetworkData::default(),
            revision: 0,
            network_gen: 0,
            online: true,
            last_refresh: None,
            last_error: None,
            notices: boot.notices,
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
        let focus = if app.settings.last_login.is_empty() {
            "login"
        } else {
            "password"
        };
        let store = app.store.clone();
        let last_user = Task::perform(async move { store.run(|s| s.last_user()).await }, |r| {
            Message::LastUser(r.unwrap_or_else(|e| {
                tracing::warn!("cache: last user unreadable: {e}");
                None
            }))
        });
        (
            app,
            Task::batch([iced::widget::operation::focus(focus), last_user]),
        )
    }

    fn lang(&self) -> Lang {
        self.settings.language
    }

    fn t(&self, key: &str) -> String {
        i18n::t(self.lang(), key)
    }

    /// The window title; it carries the count of orders waiting for a
    /// first call, so the taskbar shows it while the window is behind.
    pub fn title(&self) -> String {
        let waiting = self.waiting();
        if self.screen.main().is_some() && waiting > 0 {
            i18n::tf(
                self.lang(),
                "app.window_title_waiting",
                &[("n", &waiting.to_string())],
            )
        } else {
            self.t("app.window_title")
        }
    }

    /// Pending orders at the place the order list shows (0 without a
    /// session): the title and tray count what the list holds.
    fn waiting(&self) -> i64 {
        self.screen
            .main()
            .map_or(0, |m| m.pages.orders.list_pending())
    }

    /// 1.0, or larger for the "large" font size (older clerks' eyes).
    pub fn scale(&self) -> f32 {
        match self.settings.font_size {
            FontSize::Large => 1.15,
            FontSize::Normal => 1.0,
        }
    }

    /// The theme of the chosen display style.
    pub fn theme(&self) -> Theme {
        theme::theme(self.settings.theme)
    }

    /// Periodic connection checks and keyboard shortcuts.
    pub fn subscription(&self) -> Subscription<Message> {
        let mut subs = vec![
            Subscription::run(show_requests),
            Subscription::run(tray_commands),
            iced::window::close_requests().map(Message::CloseRequested),
        ];
        if super::bench_start::armed() {
            subs.push(iced::window::frames().map(|_| Message::FirstFrame));
        }
        if let Some(m) = self.screen.main() {
            subs.push(iced::time::every(Duration::from_secs(5)).map(|_| Message::Tick));
            if !m.session.offline_only {
                subs.push(
                    sync_sub::subscription(sync_sub::Key {
                        session: m.session.id,
                        client: m.session.client.clone(),
                        store: self.store.clone(),
                        interval: self.params.sync_interval,
                        page_size: self.params.page_size,
                    })
                    .map(Message::Sync),
                );
            }
            if m.pages.shown == Page::Orders {
                subs.push(iced::time::every(Duration::from_secs(1)).map(|_| Message::Clock));
            }
        }
        Subscription::batch(subs)
    }

    /// The pages with the context their screens read, borrowed apart so a
    /// page can be updated beside it; `None` before the first login.
    fn pages(&mut self) -> Option<(&mut Pages, Ctx<'_>)> {
        let Main { session, pages } = self.screen.main_mut()?;
        Some((pages, screen_ctx!(self, session)))
    }

    /// Read-only twin of [`App::pages`], for drawing.
    fn ctx(&self) -> Option<(&Pages, Ctx<'_>)> {
        let Main { session, pages } = self.screen.main()?;
        Some((pages, screen_ctx!(self, session)))
    }

    /// Handles one message.
    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Login(m) => self.login(m),
            Message::Outlets(m) => self.outlets(m),
            Message::Staff(m) => self.staff(m),
            Message::System(m) => self.system(m),
            Message::Orders(m) => self.orders(m),
            Message::Waybill(m) => self.waybill(m),
            Message::Rates(m) => self.rates(m),
            Message::Report(m) => self.report(m),
            Message::LastUser(u) => {
                self.last_user = u;
                Task::none()
            }
            Message::Claimed(s, r) => self.claimed(*s, r),
            Message::OfflineReady(clock) => self.offline_ready(clock),
            Message::Sync(sync_sub::Event::Ready(tx)) => {
                self.sync.commands = Some(tx);
                Task::none()
            }
            Message::Sync(sync_sub::Event::Report(r)) => self.sync_report(r),
            Message::Params(r) => self.params_arrived(r),
            Message::Clock => {
                self.fade_notices();
                Task::none()
            }
            Message::Done => Task::none(),
            Message::Tray(c) => self.tray(c),
            Message::CloseRequested(id) => self.close_requested(id),
            Message::HideToTray => self.hide_to_tray(),
            Message::Quit(choice) => self.quit(choice),
            Message::ShowWindow => show_window(),
            Message::Nav(p) => self.nav_to(p),
            Message::Logout => self.logout(),
            Message::LogoutCancel => {
                self.dialog = None;
                Task::none()
            }
            Message::LogoutNow => self.logout_now(),
            Message::NetworkFetched(r) => self.network_fetched(r),
            Message::NetworkCached(r) => self.network_cached(r),
            Message::NetworkBuilt(b) => self.network_built(*b),
            Message::FirstFrame => {
                super::bench_start::report();
                iced::exit()
            }
            Message::Tick => self.tick(),
            Message::Health(up) => self.health(up),
            Message::Retry => self.fetch_network(),
            Message::Key(key, mods) => self.key(key, mods),
        }
    }

    /// A window-wide dialog takes the keys first, then the shown page.
    fn key(&mut self, key: Key, mods: keyboard::Modifiers) -> Task<Message> {
        // Tab cycles, and never leaves an open dialog for what is behind.
        if let Key::Named(Named::Tab) = key {
            use widget::focus::{MODAL, Move, move_focus};
            let mv = if mods.shift() {
                Move::Previous
            } else {
                Move::Next
            };
            return move_focus(mv, Some(MODAL));
        }
        // A window-wide dialog owns the keyboard: nothing underneath (an
        // order action, a delete) may fire behind it.
        if let Some(d) = self.dialog {
            return self.dialog_key(d, &key);
        }
        let Screen::Main(main) = &self.screen else {
            return Task::none();
        };
        let p = &main.pages;
        let message = match p.shown {
            Page::Orders => p.orders.key(&key, mods).map(Message::Orders),
            shown => Shortcut::from_key(&key, mods).and_then(|sc| match shown {
                Page::Outlets => p.outlets.shortcut(sc).map(Message::Outlets),
                Page::Staff => p.staff.shortcut(sc).map(Message::Staff),
                Page::System => p.system.shortcut(sc).map(Message::System),
                Page::Orders | Page::Waybill | Page::Rates | Page::Report => None,
            }),
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
        widget::modal_opt(self.screen_body(), self.dialog.map(|d| self.dialog_view(d)))
    }

    fn screen_body(&self) -> Element<'_, Message> {
        match &self.screen {
            Screen::Login { form, .. } => self.login_view(form),
            Screen::Main(_) => self.main_view(),
        }
    }
}

/// Comes to the front: shown, restored and focused.
fn show_window() -> Task<Message> {
    iced::window::latest().then(|id| match id {
        Some(id) => Task::batch([
            iced::window::set_mode(id, iced::window::Mode::Windowed),
            iced::window::minimize(id, false),
            iced::window::gain_focus(id),
        ]),
        None => Task::none(),
    })
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

/// The message for a background cache write whose failure only the log
/// needs: the server has the data, the next sync brings it back.
fn logged(what: &'static str) -> impl Fn(Result<(), StoreError>) -> Message {
    move |r| {
        if let Err(e) = r {
            tracing::warn!("{what} failed: {e}");
        }
        Message::Done
    }
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
