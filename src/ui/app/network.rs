//! The outlet network (server first, the cache meanwhile and when the
//! server is away), connection checks, the server's parameters and the
//! sync engine's reports.

use std::sync::Arc;

use chrono::DateTime;
use iced::Task;

use super::{App, Message};
use crate::api::{OutletList, Parameter};
use crate::domain::clock::ClockAnchor;
use crate::domain::params::ClientParams;
use crate::domain::{Outlet, OutletTree};
use crate::store::StoreError;
use crate::sync::ClientError;
use crate::ui::network_data::NetworkData;
use crate::ui::screen::Lost;
use crate::ui::sync_sub;

/// What the status bar says about sync.
#[derive(Debug, Clone, Default)]
pub(super) struct SyncStatus {
    pub(super) commands: Option<tokio::sync::mpsc::UnboundedSender<sync_sub::Command>>,
    pub(super) pending: i64,
    pub(super) last: Option<DateTime<chrono::Utc>>,
    pub(super) error: Option<String>,
    /// The server's time and the PC's clocks at the last pull, as kept in
    /// the cache: server time until this session has pulled (offline),
    /// which a change of the PC's date does not move (issue 14 item 9).
    pub(super) saved_clock: Option<ClockAnchor>,
    /// Server time at the last pull, with the monotonic clock then: "now"
    /// is that plus the time elapsed since, so a PC clock that jumps (a
    /// time sync, a manual change while offline) cannot recolour the list.
    pub(super) anchor: Option<(DateTime<chrono::Utc>, std::time::Instant)>,
}

impl SyncStatus {
    /// The server's clock now, as well as we know it.
    pub(super) fn server_now(&self) -> DateTime<chrono::Utc> {
        match self.anchor {
            Some((server, at)) => {
                server + chrono::Duration::from_std(at.elapsed()).unwrap_or_default()
            }
            // Not pulled yet this session: from the last pull's anchor.
            None => match &self.saved_clock {
                Some(a) => a.server_now(&crate::sync::pc_clock::now()),
                None => chrono::Utc::now(),
            },
        }
    }
}

/// What a network build starts from.
pub(super) enum Source {
    /// A whole list (the server's or the cache's).
    Full(Vec<Outlet>),
    /// The network shown with outlets added or replaced and codes gone.
    Changes {
        base: Arc<OutletTree>,
        changed: Vec<Outlet>,
        removed: Vec<String>,
    },
}

impl Source {
    fn outlets(self) -> Vec<Outlet> {
        match self {
            Source::Full(all) => all,
            Source::Changes {
                base,
                changed,
                removed,
            } => base.with_changes(changed, &removed),
        }
    }
}

/// A network built off the GUI thread.
#[derive(Debug, Clone)]
pub struct Built {
    generation: u64,
    revision: i64,
    /// The server's list: the cache takes it before the list reloads.
    cache: bool,
    net: NetworkData,
}

impl App {
    pub(super) fn fetch_network(&self) -> Task<Message> {
        let Some(m) = self.screen.main() else {
            return Task::none();
        };
        let client = m.session.client.clone();
        // With a network in hand only what changed since comes (20,000
        // outlets are 6.6 MB and a rebuild on every reconnect otherwise).
        let since = (!self.net.tree.is_empty()).then_some(self.revision);
        Task::perform(
            async move { client.outlets_since(since).await },
            Message::NetworkFetched,
        )
    }

    pub(super) fn load_cached_network(&self) -> Task<Message> {
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

    /// The server's list replaces what is shown, and then the cache.
    pub(super) fn network_fetched(&mut self, r: Result<OutletList, ClientError>) -> Task<Message> {
        let list = match r {
            Ok(list) => list,
            Err(e) => return self.client_failed(&e),
        };
        self.online = true;
        self.last_error = None;
        self.last_refresh = Some(self.sync.server_now());
        let source = if list.full {
            Source::Full(list.outlets)
        } else if list.outlets.is_empty() && list.removed.is_empty() {
            // Nothing changed: the tree, the pickers and the list stay.
            self.revision = list.revision;
            return Task::none();
        } else {
            Source::Changes {
                base: self.net.tree.clone(),
                changed: list.outlets,
                removed: list.removed,
            }
        };
        self.build_network(list.revision, source, true)
    }

    pub(super) fn network_cached(
        &mut self,
        r: Result<(i64, Vec<Outlet>), StoreError>,
    ) -> Task<Message> {
        match r {
            // The server's answer may already have arrived; never let
            // the older cache replace it.
            Ok((rev, outlets)) if self.last_refresh.is_none() && !outlets.is_empty() => {
                self.build_network(rev, Source::Full(outlets), false)
            }
            Ok(_) => Task::none(),
            Err(e) => {
                self.last_error = Some(e.user_message(self.lang()));
                Task::none()
            }
        }
    }

    /// Builds the tree and the pickers' entries from `source` on a
    /// blocking task (150–250 ms at 20,000 outlets); the GUI thread only
    /// swaps them in when they arrive. `cache`: the server's list, which
    /// the cache takes too.
    pub(super) fn build_network(
        &mut self,
        revision: i64,
        source: Source,
        cache: bool,
    ) -> Task<Message> {
        self.network_gen += 1;
        let generation = self.network_gen;
        let user = self
            .screen
            .main()
            .map(|m| m.session.user.outlet_code.clone())
            .unwrap_or_default();
        Task::perform(
            async move {
                tokio::task::spawn_blocking(move || {
                    let net = NetworkData::build(source.outlets(), &user);
                    // The list it was built from is gone now.
                    crate::memory::give_back();
                    net
                })
                .await
            },
            move |r| match r {
                Ok(net) => Message::NetworkBuilt(Box::new(Built {
                    generation,
                    revision,
                    cache,
                    net,
                })),
                Err(e) => {
                    tracing::error!("building the network: {e}");
                    Message::Done
                }
            },
        )
    }

    /// A built network arrives: every page re-reads its choices, the list
    /// reloads. A build overtaken by a newer one is dropped.
    pub(super) fn network_built(&mut self, b: Built) -> Task<Message> {
        if b.generation != self.network_gen {
            return Task::none();
        }
        self.revision = b.revision;
        self.net = b.net;
        let net = self.net.clone();
        let Some((pages, ctx)) = self.pages() else {
            return Task::none();
        };
        pages.outlets.network_changed(&ctx, &net);
        pages.staff.network_changed(&net);
        pages.orders.network_changed(&ctx, &net);
        let reload = pages.orders.reload(&ctx).map(Message::Orders);
        if !b.cache {
            return reload;
        }
        let store = self.store.clone();
        let (rev, tree) = (b.revision, net.tree);
        // The list is read through the cache's subtree index, which the
        // cached network builds: reload only once it is in (in parallel, a
        // list could show branch orders as the pool for a moment).
        Task::perform(
            async move {
                store
                    .run(move |s| s.replace_outlets(rev, tree.outlets()))
                    .await
            },
            super::logged("caching outlets"),
        )
        .chain(reload)
    }

    pub(super) fn client_failed(&mut self, e: &ClientError) -> Task<Message> {
        match e {
            ClientError::Unreachable(_) => self.on_lost(Lost::Unreachable),
            ClientError::Http { status: 401, .. } => self.on_lost(Lost::SessionExpired),
            other => {
                self.last_error = Some(other.user_message(self.lang()));
                Task::none()
            }
        }
    }

    /// Every 5 s: is the server there? Every 30 s also the parameters.
    pub(super) fn tick(&mut self) -> Task<Message> {
        self.fade_notices();
        let now = self.sync.server_now();
        if let Some(m) = self.screen.main_mut() {
            m.pages.report.tick(now);
        }
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

    /// The server answers again: "offline" is no longer true, so it goes
    /// (other errors wait for their own cause to clear).
    fn clear_offline_error(&mut self) {
        let offline = self.t("net.offline");
        if self.last_error.as_deref() == Some(offline.as_str()) {
            self.last_error = None;
        }
    }

    /// Success notices on every page fade after a few seconds.
    pub(super) fn fade_notices(&mut self) {
        if let Some(m) = self.screen.main_mut() {
            let now = std::time::Instant::now();
            m.pages.orders.fade_notices(now);
            m.pages.outlets.fade_notices(now);
            m.pages.staff.fade_notices(now);
            m.pages.system.fade_notices(now);
        }
    }

    pub(super) fn health(&mut self, up: bool) -> Task<Message> {
        let was = self.online;
        self.online = up;
        if up {
            self.clear_offline_error();
        }
        if up && !was {
            return self.fetch_network();
        }
        Task::none()
    }

    pub(super) fn fetch_params(&self) -> Task<Message> {
        let Some(m) = self.screen.main() else {
            return Task::none();
        };
        let client = m.session.client.clone();
        Task::perform(async move { client.parameters().await }, Message::Params)
    }

    /// The parameters arrived: the engine is retuned when its own changed.
    pub(super) fn params_arrived(
        &mut self,
        r: Result<Vec<Parameter>, ClientError>,
    ) -> Task<Message> {
        let list = match r {
            Ok(list) => list,
            Err(e) => {
                tracing::warn!("parameters: {e}");
                return Task::none();
            }
        };
        self.param_list = list;
        let before = (self.params.sync_interval, self.params.page_size);
        self.params =
            ClientParams::from_values(self.param_list.iter().map(|p| (p.key.as_str(), &p.value)));
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

    /// A sync round finished: the status bar, the clock, refusals, and
    /// whatever the round changed.
    pub(super) fn sync_report(&mut self, mut r: crate::sync::engine::Report) -> Task<Message> {
        self.sync.pending = r.pending;
        if self.quit_when_sent && r.pending == 0 {
            return iced::exit();
        }
        if let Some(a) = r.clock.take() {
            self.sync.anchor = Some((a.server, std::time::Instant::now()));
            self.sync.saved_clock = Some(a);
        }
        if r.need_login {
            return self.session_expired();
        }
        let was = self.online;
        self.online = r.online;
        if r.online {
            self.clear_offline_error();
        }
        if r.online && r.error.is_none() {
            self.sync.last = Some(self.sync.server_now());
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
        let lang = self.lang();
        if let Some(m) = self.screen.main_mut() {
            m.pages.orders.synced(lang, &r.applied, r.rejected);
        }
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
            let Some((pages, ctx)) = self.pages() else {
                return Task::none();
            };
            tasks.push(pages.orders.reload(&ctx).map(Message::Orders));
            tasks.push(pages.waybill.synced(&ctx).map(Message::Waybill));
        }
        if r.card_refreshed
            && let Some((pages, ctx)) = self.pages()
        {
            tasks.push(pages.waybill.load_card(&ctx).map(Message::Waybill));
        }
        if r.templates_refreshed
            && let Some((pages, ctx)) = self.pages()
        {
            tasks.push(pages.orders.templates_refreshed(&ctx).map(Message::Orders));
        }
        Task::batch(tasks)
    }
}
