//! 阿里订单受理: the outlet selector, the paged pending list with red rows
//! and the call countdown, the detail panel, the clerk's actions, 查询.

use crate::ui::Element;
use crate::ui::theme::AppTheme as Theme;
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, TimeZone, Utc};
use iced::widget::{
    button, checkbox, column, combo_box, container, pick_list, radio, row, scrollable, space, text,
    text_input,
};
use iced::{Alignment, Length, Task};
use serde_json::Value;

use super::{Ctx, Event};
use crate::api::OrderEvent;
use crate::domain::order::{self, ActionContext, ActionError, TransportMode};
use crate::domain::params::Reason;
use crate::domain::sla::{self, Call};
use crate::domain::visibility::{self, Scope};
use crate::domain::{Action, Status};
use crate::i18n;
use crate::store::{ListFilter, OrderRow, OutboxState, PageQuery, SortOrder, StoreError};
use crate::sync::ClientError;
use crate::ui::theme;
use crate::ui::widget::{self, Choice, Tone};

/// Rows per page of the list.
pub const PAGE: i64 = 50;

/// China Standard Time: what clerks read on every clock.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC offset"))
}

/// "11-26 14:05" in China time.
pub fn short_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&cst()).format("%m-%d %H:%M").to_string()
}

/// kg with up to two decimals, from grams.
pub fn kg(g: i64) -> String {
    format!("{:.2}", g as f64 / 1000.0)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_owned()
}

/// m³ with up to three decimals, from cm³.
pub fn m3(cm3: i64) -> String {
    let s = format!("{:.3}", cm3 as f64 / 1_000_000.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_owned()
    }
}

/// ¥ with two decimals, from fen.
pub fn yuan(fen: i64) -> String {
    format!("¥{}.{:02}", fen / 100, (fen % 100).abs())
}

/// Parses "12.5" (kg) into grams.
fn parse_kg(s: &str) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| (v * 1000.0).round() as i64)
}

/// Parses "0.35" (m³) into cm³.
fn parse_m3(s: &str) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| (v * 1_000_000.0).round() as i64)
}

/// Parses "2026-11-27 09:30" (China time).
fn parse_cst(s: &str) -> Option<DateTime<Utc>> {
    let n = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M").ok()?;
    cst()
        .from_local_datetime(&n)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Which dialog is open.
#[derive(Debug, Clone, PartialEq)]
enum Dialog {
    Accept {
        order_no: String,
        weight: String,
        volume: String,
        pickup: bool,
        time: String,
        errors: Vec<(String, String)>,
    },
    Reason {
        order_no: String,
        kind: ReasonKind,
        reason: Option<String>,
        note: String,
        error: Option<String>,
    },
    Assign {
        order_no: String,
        outlet: Option<Choice<String>>,
        error: Option<String>,
    },
    Query(Result<Value, String>),
}

/// Which reason-taking action a dialog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonKind {
    Return,
    PickupFailed,
    Close,
}

/// 阿里订单受理 messages.
#[derive(Debug, Clone)]
pub enum Message {
    /// An outlet was picked in 网点选项.
    Selector(Choice<String>),
    /// Typing in 网点选项.
    SelectorQuery(String),
    /// Enter in 网点选项: take the first match.
    SelectorSubmit,
    /// 网点选项 cleared (empty selector).
    ClearSelector,
    /// The status filter changed.
    StatusFilter(Choice<Option<Status>>),
    /// Oldest/newest first.
    ToggleSort,
    /// Previous page.
    PrevPage,
    /// Next page.
    NextPage,
    /// Reload the current page from the cache.
    Reload,
    /// A page arrived from the cache (for the numbered request).
    Loaded(u64, Result<(Vec<OrderRow>, i64), StoreError>),
    /// The uncontacted count arrived.
    Uncontacted(i64),
    /// A row was clicked.
    Select(String),
    /// Move the selection up or down the page.
    Move(i32),
    /// The history of an order arrived.
    Events(String, Result<Vec<OrderEvent>, ClientError>),
    /// 已联系.
    Contacted,
    /// Open 受理.
    OpenAccept,
    /// Open 打回 / 收货失败 / 关闭.
    OpenReason(ReasonKind),
    /// Open 分配.
    OpenAssign,
    /// Accept form: weight.
    Weight(String),
    /// Accept form: volume.
    Volume(String),
    /// Accept form: pickup needed.
    Pickup(bool),
    /// Accept form: pickup time.
    PickupTime(String),
    /// Reason picked (by click or its number key).
    ReasonIndex(usize),
    /// Note typed.
    Note(String),
    /// Outlet picked in 分配.
    AssignTo(Choice<String>),
    /// 确定 in a dialog.
    Submit,
    /// 取消 in a dialog.
    CloseDialog,
    /// The action was saved in the outbox.
    Queued(Result<String, StoreError>),
    /// 知道了 on a refused action.
    Dismiss(String),
    /// 立即同步.
    SyncNow,
    /// The order-number box changed.
    QueryInput(String),
    /// 查询.
    Query,
    /// The server (or cache) answered 查询.
    QueryAnswer(Result<Value, String>),
}

/// The 阿里订单受理 screen.
pub struct State {
    selector: Option<Choice<String>>,
    selector_set: bool,
    /// The outlets this user may pick in 网点选项 (their subtree).
    mine: Vec<Choice<String>>,
    /// What is typed in 网点选项 to find an outlet.
    selector_query: String,
    /// Outlets matching `selector_query`, found when either changes (not
    /// per frame: the network may have 20,000 outlets).
    found: Vec<Choice<String>>,
    assign_choices: combo_box::State<Choice<String>>,
    status: Option<Status>,
    sort: SortOrder,
    page: i64,
    rows: Vec<OrderRow>,
    total: i64,
    uncontacted: i64,
    selected: Option<String>,
    events: Option<(String, Result<Vec<OrderEvent>, String>)>,
    dialog: Option<Dialog>,
    /// The open dialog's action is being written to the outbox: the
    /// dialog (and what the clerk typed) stays until that succeeded.
    submitting: bool,
    query: String,
    notice: Option<(String, Tone)>,
    /// Number of the newest page request.
    load_seq: u64,
}

impl Default for State {
    fn default() -> Self {
        State {
            selector: None,
            selector_set: false,
            mine: Vec::new(),
            selector_query: String::new(),
            found: Vec::new(),
            assign_choices: combo_box::State::new(Vec::new()),
            status: Some(Status::Pending),
            sort: SortOrder::OldestFirst,
            page: 0,
            rows: Vec::new(),
            total: 0,
            uncontacted: 0,
            selected: None,
            events: None,
            dialog: None,
            submitting: false,
            query: String::new(),
            notice: None,
            load_seq: 0,
        }
    }
}

fn status_choice(lang: i18n::Lang, s: Option<Status>) -> Choice<Option<Status>> {
    Choice {
        value: s,
        label: match s {
            Some(s) => i18n::t(lang, &format!("status.{}", s.as_str())),
            None => i18n::t(lang, "orders.all_statuses"),
        },
    }
}

impl State {
    /// Called when the network changed: the selector's choices are the
    /// user's own subtree (HQ: everything).
    pub fn network_changed(&mut self, ctx: &Ctx<'_>) {
        let user = &ctx.user.outlet_code;
        let mine: Vec<Choice<String>> = widget::outlet_choices(ctx.tree)
            .into_iter()
            .filter(|c| ctx.tree.is_within(&c.value, user))
            .collect();
        self.mine = mine;
        self.refresh_found();
        let targets: Vec<Choice<String>> = widget::outlet_choices(ctx.tree)
            .into_iter()
            .filter(|c| crate::domain::dispatch::can_receive(&c.value, ctx.tree))
            .collect();
        self.assign_choices = combo_box::State::new(targets);
        if !self.selector_set {
            // HQ users start on HQ (the pool); others on their own subtree.
            self.selector = visibility::default_selector(user, ctx.tree).map(|code| Choice {
                label: ctx.outlet_label(&code),
                value: code,
            });
            self.selector_set = ctx.tree.get(user).is_some();
        }
    }

    /// Finds the outlets matching what is typed in 网点选项 (at most eight).
    fn refresh_found(&mut self) {
        let q = self.selector_query.trim().to_lowercase();
        self.found = if q.is_empty() {
            Vec::new()
        } else {
            self.mine
                .iter()
                .filter(|c| c.label.to_lowercase().contains(&q))
                .take(8)
                .cloned()
                .collect()
        };
    }

    /// The list filter for the current selector.
    fn filter(&self, ctx: &Ctx<'_>) -> Result<ListFilter, String> {
        let scope = visibility::selector_scope(
            &ctx.user.outlet_code,
            self.selector.as_ref().map(|c| c.value.as_str()),
            ctx.tree,
        )
        .map_err(|e| i18n::tf(ctx.lang, "orders.outside", &[("code", &e.0)]))?;
        Ok(match scope {
            Scope::All => ListFilter::All,
            Scope::Pool => ListFilter::Pool {
                hq_code: ctx.user.outlet_code.clone(),
            },
            Scope::Subtree(root) => {
                let mut v: Vec<String> = ctx.tree.subtree(&root).into_iter().collect();
                v.sort();
                ListFilter::Outlets(v)
            }
        })
    }

    /// Loads the current page (and the alert count) from the cache.
    pub fn reload(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let filter = match self.filter(ctx) {
            Ok(f) => f,
            Err(e) => {
                self.notice = Some((e, Tone::Danger));
                return Task::none();
            }
        };
        let q = PageQuery {
            filter,
            status: self.status,
            sort: self.sort,
            offset: self.page * PAGE,
            limit: PAGE,
        };
        let store = ctx.store.clone();
        let store2 = ctx.store.clone();
        // Loads can finish out of order; only the newest request's page
        // may land, or an empty early page could hide a pulled order.
        self.load_seq += 1;
        let seq = self.load_seq;
        Task::batch([
            Task::perform(
                async move { store.run(move |s| s.page(&q)).await },
                move |r| Message::Loaded(seq, r),
            ),
            Task::perform(async move { store2.run(|s| s.uncontacted()).await }, |r| {
                Message::Uncontacted(r.unwrap_or(0))
            }),
        ])
    }

    /// The sync engine finished a round that sent or had refused actions.
    pub fn synced(&mut self, lang: i18n::Lang, pushed: usize, rejected: usize) {
        if rejected > 0 {
            self.notice = Some((
                i18n::tf(
                    lang,
                    "orders.some_rejected",
                    &[("n", &rejected.to_string())],
                ),
                Tone::Danger,
            ));
        } else if pushed > 0 {
            self.notice = Some((
                i18n::tf(lang, "orders.sent", &[("n", &pushed.to_string())]),
                Tone::Success,
            ));
        }
    }

    /// Orders waiting for a first call, for the navigation badge.
    pub fn uncontacted(&self) -> i64 {
        self.uncontacted
    }

    fn selected_row(&self) -> Option<&OrderRow> {
        let no = self.selected.as_deref()?;
        self.rows.iter().find(|r| r.order.order_no == no)
    }

    /// Maps a key to a message. Letters act on the selected order; digits
    /// pick a reason; arrows move; Enter confirms; Esc closes.
    pub fn key(
        &self,
        key: &iced::keyboard::Key,
        mods: iced::keyboard::Modifiers,
    ) -> Option<Message> {
        use iced::keyboard::Key;
        use iced::keyboard::key::Named;
        if mods.command() || mods.alt() {
            return None;
        }
        if let Some(d) = &self.dialog {
            return match key {
                Key::Named(Named::Escape) => Some(Message::CloseDialog),
                Key::Named(Named::Enter) if !matches!(d, Dialog::Query(_)) => Some(Message::Submit),
                Key::Named(Named::Enter) => Some(Message::CloseDialog),
                Key::Character(c) if matches!(d, Dialog::Reason { .. }) => c
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .map(|n| Message::ReasonIndex(n - 1)),
                _ => None,
            };
        }
        match key {
            Key::Named(Named::ArrowDown) => Some(Message::Move(1)),
            Key::Named(Named::ArrowUp) => Some(Message::Move(-1)),
            Key::Named(Named::PageDown) => Some(Message::NextPage),
            Key::Named(Named::PageUp) => Some(Message::PrevPage),
            Key::Named(Named::F5) => Some(Message::SyncNow),
            Key::Character(c) => match c.as_str() {
                "c" => Some(Message::Contacted),
                "a" => Some(Message::OpenAccept),
                "r" => Some(Message::OpenReason(ReasonKind::Return)),
                "f" => Some(Message::OpenReason(ReasonKind::PickupFailed)),
                "g" => Some(Message::OpenAssign),
                "x" => Some(Message::OpenReason(ReasonKind::Close)),
                _ => None,
            },
            _ => None,
        }
    }

    /// Handles one message.
    pub fn update(&mut self, message: Message, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        let lang = ctx.lang;
        match message {
            Message::SelectorQuery(q) => {
                self.selector_query = q;
                self.refresh_found();
            }
            Message::SelectorSubmit => {
                if let Some(c) = self.found.first().cloned() {
                    return self.update(Message::Selector(c), ctx);
                }
            }
            Message::Selector(c) => {
                self.selector_query.clear();
                self.found.clear();
                self.selector = Some(c);
                self.selector_set = true;
                self.page = 0;
                return (self.reload(ctx), None);
            }
            Message::ClearSelector => {
                self.selector = None;
                self.selector_set = true;
                self.page = 0;
                return (self.reload(ctx), None);
            }
            Message::StatusFilter(c) => {
                self.status = c.value;
                self.page = 0;
                return (self.reload(ctx), None);
            }
            Message::ToggleSort => {
                self.sort = match self.sort {
                    SortOrder::OldestFirst => SortOrder::NewestFirst,
                    SortOrder::NewestFirst => SortOrder::OldestFirst,
                };
                self.page = 0;
                return (self.reload(ctx), None);
            }
            Message::PrevPage if self.page > 0 => {
                self.page -= 1;
                return (self.reload(ctx), None);
            }
            Message::NextPage if (self.page + 1) * PAGE < self.total => {
                self.page += 1;
                return (self.reload(ctx), None);
            }
            Message::PrevPage | Message::NextPage => {}
            Message::Reload => return (self.reload(ctx), None),
            Message::Loaded(seq, _) if seq != self.load_seq => {}
            Message::Loaded(_, Ok((rows, total))) => {
                self.rows = rows;
                self.total = total;
                if self.page > 0 && self.page * PAGE >= total {
                    self.page = (total - 1).max(0) / PAGE;
                    return (self.reload(ctx), None);
                }
                let still = self
                    .selected
                    .as_ref()
                    .is_some_and(|s| self.rows.iter().any(|r| &r.order.order_no == s));
                if !still {
                    self.selected = self.rows.first().map(|r| r.order.order_no.clone());
                    return (self.load_events(ctx), None);
                }
            }
            Message::Loaded(_, Err(e)) => {
                self.notice = Some((e.user_message(ctx.lang), Tone::Danger))
            }
            Message::Uncontacted(n) => self.uncontacted = n,
            Message::Select(no) => {
                self.selected = Some(no);
                return (self.load_events(ctx), None);
            }
            Message::Move(d) => {
                let i = self
                    .selected
                    .as_ref()
                    .and_then(|s| self.rows.iter().position(|r| &r.order.order_no == s))
                    .map_or(0, |i| i as i64 + i64::from(d));
                if let Some(r) = self
                    .rows
                    .get(i.clamp(0, self.rows.len() as i64 - 1).max(0) as usize)
                {
                    self.selected = Some(r.order.order_no.clone());
                    return (self.load_events(ctx), None);
                }
            }
            Message::Events(no, r) => {
                self.events = Some((no, r.map_err(|e| e.user_message(ctx.lang))));
            }
            Message::Contacted => {
                if let Some(r) = self.selected_row() {
                    let no = r.order.order_no.clone();
                    return self.queue(ctx, &no, Action::Contacted);
                }
            }
            Message::OpenAccept => {
                if let Some(r) = self.selected_row() {
                    let o = &r.order;
                    let time = o
                        .pickup_time
                        .map(|t| t.with_timezone(&cst()).format("%Y-%m-%d %H:%M").to_string());
                    self.dialog = Some(Dialog::Accept {
                        order_no: o.order_no.clone(),
                        weight: kg(o.cargo.weight_g),
                        volume: m3(o.cargo.volume_cm3),
                        pickup: o.pickup_required,
                        time: time.unwrap_or_default(),
                        errors: Vec::new(),
                    });
                    return (iced::widget::operation::focus("accept-weight"), None);
                }
            }
            Message::OpenReason(kind) => {
                let dispatcher = ctx.user.role.can_dispatch();
                if kind == ReasonKind::Close && !dispatcher {
                    return (Task::none(), None);
                }
                if let Some(r) = self.selected_row() {
                    self.dialog = Some(Dialog::Reason {
                        order_no: r.order.order_no.clone(),
                        kind,
                        reason: None,
                        note: String::new(),
                        error: None,
                    });
                }
            }
            Message::OpenAssign if ctx.user.role.can_dispatch() => {
                if let Some(r) = self.selected_row() {
                    self.dialog = Some(Dialog::Assign {
                        order_no: r.order.order_no.clone(),
                        outlet: None,
                        error: None,
                    });
                    return (Task::none(), None);
                }
            }
            Message::OpenAssign => {}
            Message::Weight(v) => {
                if let Some(Dialog::Accept { weight, .. }) = &mut self.dialog {
                    *weight = v;
                }
            }
            Message::Volume(v) => {
                if let Some(Dialog::Accept { volume, .. }) = &mut self.dialog {
                    *volume = v;
                }
            }
            Message::Pickup(b) => {
                if let Some(Dialog::Accept { pickup, .. }) = &mut self.dialog {
                    *pickup = b;
                }
            }
            Message::PickupTime(v) => {
                if let Some(Dialog::Accept { time, .. }) = &mut self.dialog {
                    *time = v;
                }
            }
            Message::ReasonIndex(i) => {
                let kind = match &self.dialog {
                    Some(Dialog::Reason { kind, .. }) => *kind,
                    _ => return (Task::none(), None),
                };
                if let Some(code) = live_reasons(ctx, kind).get(i).map(|r| r.code.clone())
                    && let Some(Dialog::Reason { reason, .. }) = &mut self.dialog
                {
                    *reason = Some(code);
                }
            }
            Message::Note(v) => {
                if let Some(Dialog::Reason { note, .. }) = &mut self.dialog {
                    *note = v;
                }
            }
            Message::AssignTo(c) => {
                if let Some(Dialog::Assign { outlet, .. }) = &mut self.dialog {
                    *outlet = Some(c);
                }
            }
            Message::Submit if self.submitting => {}
            Message::Submit => return self.submit(ctx),
            Message::CloseDialog => {
                self.dialog = None;
                self.submitting = false;
            }
            Message::Queued(Ok(_)) => {
                if std::mem::take(&mut self.submitting) {
                    self.dialog = None;
                }
                self.notice = Some((ctx.t("orders.queued"), Tone::Info));
                return (self.reload(ctx), Some(Event::ActionQueued));
            }
            Message::Queued(Err(e)) => {
                // The dialog stays open with what was typed; try again.
                self.submitting = false;
                self.notice = Some((e.user_message(ctx.lang), Tone::Danger));
            }
            Message::Dismiss(no) => {
                let store = ctx.store.clone();
                return (
                    Task::perform(
                        async move { store.run(move |s| s.dismiss_rejection(&no)).await },
                        |_| Message::Reload,
                    ),
                    Some(Event::ActionQueued),
                );
            }
            Message::SyncNow => return (Task::none(), Some(Event::SyncNow)),
            Message::QueryInput(q) => self.query = q,
            Message::Query => {
                let no = self.query.trim().to_owned();
                if no.is_empty() {
                    return (Task::none(), None);
                }
                if !ctx.online {
                    let store = ctx.store.clone();
                    let lang2 = lang;
                    return (
                        Task::perform(
                            async move { store.run(move |s| s.order(&no)).await },
                            move |r| {
                                Message::QueryAnswer(match r {
                                    Ok(Some(row)) => {
                                        serde_json::to_value(row.order).map_err(|e| e.to_string())
                                    }
                                    Ok(None) => Err(i18n::t(lang2, "orders.query_offline_unknown")),
                                    Err(e) => Err(e.user_message(lang2)),
                                })
                            },
                        ),
                        None,
                    );
                }
                let client = ctx.client.clone();
                return (
                    Task::perform(async move { client.order(&no).await }, move |r| {
                        Message::QueryAnswer(r.map_err(|e| match e.status() {
                            Some(404) => i18n::t(lang, "orders.query_not_found"),
                            _ => e.user_message(lang),
                        }))
                    }),
                    None,
                );
            }
            Message::QueryAnswer(r) => self.dialog = Some(Dialog::Query(r)),
        }
        (Task::none(), None)
    }

    fn load_events(&self, ctx: &Ctx<'_>) -> Task<Message> {
        let Some(no) = self.selected.clone() else {
            return Task::none();
        };
        if !ctx.online {
            return Task::none();
        }
        let client = ctx.client.clone();
        Task::perform(
            async move { (no.clone(), client.events(&no).await) },
            |(no, r)| Message::Events(no, r),
        )
    }

    /// Checks an action with the shared state machine, then saves it in the
    /// outbox; the sync task sends it.
    fn queue(
        &mut self,
        ctx: &Ctx<'_>,
        order_no: &str,
        action: Action,
    ) -> (Task<Message>, Option<Event>) {
        let Some(row) = self.rows.iter().find(|r| r.order.order_no == order_no) else {
            return (Task::none(), None);
        };
        if matches!(row.outbox, OutboxState::Rejected(_)) {
            self.notice = Some((ctx.t("orders.dismiss_first"), Tone::Warning));
            return (Task::none(), None);
        }
        let assignable = |c: &str| crate::domain::dispatch::can_receive(c, ctx.tree);
        let check = ActionContext {
            role: ctx.user.role,
            in_pool: visibility::is_pool(row.order.current_outlet_code.as_deref(), ctx.tree),
            assignable: &assignable,
            return_reasons: &ctx.params.return_reasons,
            pickup_failed_reasons: &ctx.params.pickup_failed_reasons,
            now: ctx.now,
        };
        // A queued action's effect is not in the row yet; only judge the
        // state when nothing is waiting.
        if row.pending_action.is_none() {
            match order::apply(&row.order, &action, &check) {
                Ok(_) => {}
                Err(ActionError::State(s)) => {
                    let status = i18n::t(ctx.lang, &format!("status.{}", s.as_str()));
                    self.notice = Some((
                        i18n::tf(ctx.lang, "orders.not_now", &[("status", &status)]),
                        Tone::Warning,
                    ));
                    self.dialog = None;
                    return (Task::none(), None);
                }
                Err(ActionError::Role) => {
                    self.notice = Some((i18n::t(ctx.lang, "err.forbidden"), Tone::Warning));
                    self.dialog = None;
                    return (Task::none(), None);
                }
                Err(ActionError::Rule(e)) => {
                    self.dialog_error(ctx, &e);
                    return (Task::none(), None);
                }
            }
        }
        self.submitting = self.dialog.is_some();
        let store = ctx.store.clone();
        let no = order_no.to_owned();
        (
            Task::perform(
                async move { store.run(move |s| s.enqueue(&no, &action)).await },
                Message::Queued,
            ),
            None,
        )
    }

    fn dialog_error(&mut self, ctx: &Ctx<'_>, e: &crate::domain::RuleError) {
        let f = super::form::FormErrors::from_rule(ctx.lang, e);
        match &mut self.dialog {
            Some(Dialog::Accept { errors, .. }) => {
                *errors = f.fields.into_iter().collect();
            }
            Some(Dialog::Reason { error, .. }) | Some(Dialog::Assign { error, .. }) => {
                *error = f.fields.into_values().next();
            }
            _ => self.notice = f.general.map(|g| (g, Tone::Danger)),
        }
    }

    fn submit(&mut self, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        let lang = ctx.lang;
        let Some(d) = self.dialog.clone() else {
            return (Task::none(), None);
        };
        match d {
            Dialog::Accept {
                order_no,
                weight,
                volume,
                pickup,
                time,
                ..
            } => {
                let mut errors = Vec::new();
                let w = parse_kg(&weight);
                let v = parse_m3(&volume);
                if w.is_none() {
                    errors.push(("weight_g".to_owned(), i18n::rule(lang, "not_a_number")));
                }
                if v.is_none() {
                    errors.push(("volume_cm3".to_owned(), i18n::rule(lang, "not_a_number")));
                }
                let t = if pickup && !time.trim().is_empty() {
                    let t = parse_cst(&time);
                    if t.is_none() {
                        errors.push(("pickup_time".to_owned(), ctx.t("orders.time_format")));
                    }
                    t
                } else {
                    None
                };
                if !errors.is_empty() {
                    if let Some(Dialog::Accept { errors: e, .. }) = &mut self.dialog {
                        *e = errors;
                    }
                    return (Task::none(), None);
                }
                let action = Action::Accept {
                    weight_g: w.unwrap_or_default(),
                    volume_cm3: v.unwrap_or_default(),
                    pickup_required: pickup,
                    pickup_time: t,
                };
                self.queue(ctx, &order_no, action)
            }
            Dialog::Reason {
                order_no,
                kind,
                reason,
                note,
                ..
            } => {
                let Some(code) = reason else {
                    if let Some(Dialog::Reason { error, .. }) = &mut self.dialog {
                        *error = Some(i18n::rule(lang, "unknown_reason"));
                    }
                    return (Task::none(), None);
                };
                let action = match kind {
                    ReasonKind::Return => Action::Return {
                        reason_code: code,
                        note,
                    },
                    ReasonKind::PickupFailed => Action::PickupFailed {
                        reason_code: code,
                        note,
                    },
                    ReasonKind::Close => Action::Close {
                        reason_code: code,
                        note,
                    },
                };
                self.queue(ctx, &order_no, action)
            }
            Dialog::Assign {
                order_no, outlet, ..
            } => {
                let Some(o) = outlet else {
                    if let Some(Dialog::Assign { error, .. }) = &mut self.dialog {
                        *error = Some(i18n::rule(lang, "unknown_outlet"));
                    }
                    return (Task::none(), None);
                };
                self.queue(
                    ctx,
                    &order_no,
                    Action::Assign {
                        outlet_code: o.value,
                    },
                )
            }
            Dialog::Query(_) => {
                self.dialog = None;
                (Task::none(), None)
            }
        }
    }

    /// Draws the screen.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let statuses: Vec<Choice<Option<Status>>> = std::iter::once(None)
            .chain(Status::ALL.into_iter().map(Some))
            .map(|s| status_choice(lang, s))
            .collect();
        let sort_label = match self.sort {
            SortOrder::OldestFirst => t("orders.oldest_first"),
            SortOrder::NewestFirst => t("orders.newest_first"),
        };
        let top = row![
            text(t("orders.selector")),
            text_input(
                &self
                    .selector
                    .as_ref()
                    .map_or_else(|| t("orders.selector_empty"), |c| c.label.clone()),
                &self.selector_query
            )
            .id("order-selector")
            .on_input(Message::SelectorQuery)
            .on_submit(Message::SelectorSubmit)
            .padding(5)
            .width(240),
            widget::secondary(
                t("action.clear"),
                self.selector.is_some().then_some(Message::ClearSelector)
            ),
            text(t("orders.status")),
            pick_list(
                statuses,
                Some(status_choice(lang, self.status)),
                Message::StatusFilter
            )
            .padding(5),
            widget::secondary(sort_label, Some(Message::ToggleSort)),
            widget::tool(t("orders.sync_now"), Some(Message::SyncNow)),
            space::horizontal(),
            text_input(&t("orders.query_placeholder"), &self.query)
                .id("order-query")
                .on_input(Message::QueryInput)
                .on_submit(Message::Query)
                .padding(5)
                .width(200),
            widget::tool(
                t("action.query"),
                (!self.query.trim().is_empty()).then_some(Message::Query)
            ),
        ]
        .spacing(8)
        .align_y(Alignment::Center);
        let mut body = column![top].spacing(8);
        let found = &self.found;
        if !self.selector_query.trim().is_empty() {
            let mut hits = row![widget::muted(t("orders.selector_hits")).size(12)].spacing(6);
            if found.is_empty() {
                hits = hits.push(widget::muted(t("outlets.no_match")).size(12));
            }
            for c in found {
                hits = hits.push(
                    button(text(c.label.clone()).size(12))
                        .padding([2, 8])
                        .style(crate::ui::theme::button::secondary)
                        .on_press(Message::Selector(c.clone())),
                );
            }
            body = body.push(hits.wrap().vertical_spacing(4));
        }
        if let Some(c) = &self.selector {
            body = body.push(
                widget::muted(i18n::tf(
                    lang,
                    "orders.selector_now",
                    &[("outlet", &c.label)],
                ))
                .size(12),
            );
        }
        if self.uncontacted > 0 {
            body = body.push(widget::banner(
                text(i18n::tf(
                    lang,
                    "orders.new_alert",
                    &[("n", &self.uncontacted.to_string())],
                )),
                Tone::Warning,
            ));
        }
        if let Some((n, tone)) = &self.notice {
            body = body.push(widget::banner(text(n.as_str()), *tone));
        }
        let list = container(self.list_view(ctx))
            .width(Length::FillPortion(7))
            .height(Length::Fill)
            .padding(4)
            .style(crate::ui::theme::container::bordered_box);
        let detail = container(
            scrollable(self.detail_view(ctx))
                .spacing(4)
                .height(Length::Fill),
        )
        .width(Length::FillPortion(3))
        .height(Length::Fill)
        .padding(8)
        .style(crate::ui::theme::container::bordered_box);
        body = body.push(row![list, detail].spacing(8).height(Length::Fill));
        let base: Element<'a, Message> = body.padding(10).into();
        match &self.dialog {
            Some(d) => widget::modal(base, self.dialog_view(ctx, d)),
            None => base,
        }
    }

    fn list_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let h = |k: &str, w: u16| text(ctx.t(k)).size(12).width(Length::FillPortion(w));
        let header = row![
            h("orders.col_no", 16),
            h("orders.col_shipper", 17),
            h("orders.col_cargo", 12),
            h("orders.col_weight", 10),
            h("orders.col_pickup", 7),
            h("orders.col_placed", 14),
            h("orders.col_call", 9),
            h("orders.col_status", 12),
        ]
        .spacing(6)
        .padding([2, 6]);
        let mut list = column![].spacing(2);
        for r in &self.rows {
            list = list.push(self.row_view(ctx, r));
        }
        if self.rows.is_empty() {
            list = list.push(widget::muted(t("orders.empty")).size(13));
        }
        let pages = ((self.total + PAGE - 1) / PAGE).max(1);
        let pager = row![
            widget::muted(i18n::tf(
                lang,
                "orders.pager",
                &[
                    ("page", &(self.page + 1).to_string()),
                    ("pages", &pages.to_string()),
                    (
                        "total",
                        &if self.total > crate::store::COUNT_CAP {
                            format!("{}+", crate::store::COUNT_CAP)
                        } else {
                            self.total.to_string()
                        }
                    )
                ]
            ))
            .size(12),
            space::horizontal(),
            widget::secondary(
                t("orders.prev"),
                (self.page > 0).then_some(Message::PrevPage)
            ),
            widget::secondary(
                t("orders.next"),
                ((self.page + 1) * PAGE < self.total).then_some(Message::NextPage)
            ),
        ]
        .spacing(8)
        .align_y(Alignment::Center);
        column![header, scrollable(list).height(Length::Fill), pager]
            .spacing(4)
            .into()
    }

    fn row_view<'a>(&'a self, ctx: &Ctx<'a>, r: &'a OrderRow) -> Element<'a, Message> {
        let lang = ctx.lang;
        let o = &r.order;
        let timing = sla::timing(o, ctx.now, ctx.params.call_window, ctx.params.overdue_after);
        let selected = self.selected.as_deref() == Some(o.order_no.as_str());
        let small = |s: String| text(s).size(12);
        let (call_text, call_tone): (String, Option<Tone>) = match timing.call {
            Call::Done if o.contacted_at.is_some() && o.status == Status::Pending => {
                (i18n::t(lang, "orders.contacted"), None)
            }
            Call::Done => (String::new(), None),
            Call::Left(d) => (sla::clock(d), None),
            Call::Urgent(d) => (format!("! {}", sla::clock(d)), Some(Tone::Warning)),
            Call::Overdue(d) => (
                i18n::tf(lang, "orders.call_overdue", &[("t", &sla::clock(d))]),
                Some(Tone::Danger),
            ),
        };
        let overdue = timing.overdue;
        let call = text(call_text)
            .size(12)
            .width(Length::FillPortion(9))
            .style(move |t: &Theme| text::Style {
                // On a red row the row's own text colour reads best; the
                // words carry the meaning.
                color: call_tone
                    .filter(|_| !overdue)
                    .map(|tone| theme::tone_text(t, tone)),
            });
        let mut status_line = i18n::t(lang, &format!("status.{}", o.status.as_str()));
        if o.trade_status.as_deref() == Some("refunding") {
            status_line.push_str(&format!(" · {}", i18n::t(lang, "orders.refunding")));
        }
        let outbox = outbox_label(lang, r);
        let waiting = i18n::tf(
            lang,
            "orders.waiting",
            &[("t", &sla::clock(timing.waiting))],
        );
        let content = row![
            column![
                small(o.order_no.clone()),
                widget::muted(o.logistics_no.as_str()).size(11)
            ]
            .width(Length::FillPortion(16)),
            column![
                small(format!("{} {}", o.shipper.name, o.shipper.phone)),
                widget::muted(format!("{} {}", o.shipper.city, o.shipper.district)).size(11)
            ]
            .width(Length::FillPortion(17)),
            column![
                small(format!("{} ×{}", o.cargo.name, o.cargo.pieces)),
                widget::muted(yuan(o.declared_value)).size(11)
            ]
            .width(Length::FillPortion(12)),
            column![
                small(format!("{} kg", kg(o.cargo.weight_g))),
                widget::muted(format!("{} m³", m3(o.cargo.volume_cm3))).size(11)
            ]
            .width(Length::FillPortion(10)),
            small(i18n::t(
                lang,
                if o.pickup_required {
                    "orders.pickup_yes"
                } else {
                    "orders.pickup_no"
                }
            ))
            .width(Length::FillPortion(7)),
            column![
                small(short_time(o.created_at)),
                // Not colour alone: overdue rows say so in words too.
                row![
                    text(if overdue {
                        i18n::t(lang, "orders.overdue_mark")
                    } else {
                        String::new()
                    })
                    .size(11),
                    text(waiting).size(11)
                ]
                .spacing(4)
            ]
            .width(Length::FillPortion(14)),
            call,
            column![
                small(status_line),
                text(outbox.0).size(11).style(move |t: &Theme| text::Style {
                    color: outbox
                        .1
                        .filter(|_| !overdue)
                        .map(|tone| theme::tone_text(t, tone)),
                })
            ]
            .width(Length::FillPortion(12)),
        ]
        .spacing(6)
        .align_y(Alignment::Center);
        button(content)
            .width(Length::Fill)
            .padding([3, 6])
            .on_press(Message::Select(o.order_no.clone()))
            .style(move |t: &Theme, status| theme::order_row(t, status, selected, overdue))
            .into()
    }

    fn detail_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let Some(r) = self.selected_row() else {
            return widget::muted(t("orders.pick_hint")).into();
        };
        let o = &r.order;
        let dispatcher = ctx.user.role.can_dispatch();
        let act =
            |label: String, m: Message| button(text(label).size(13)).padding([4, 10]).on_press(m);
        let mut actions = row![
            act(t("orders.act_contacted"), Message::Contacted),
            act(t("orders.act_accept"), Message::OpenAccept),
            act(
                t("orders.act_return"),
                Message::OpenReason(ReasonKind::Return)
            ),
            act(
                t("orders.act_failed"),
                Message::OpenReason(ReasonKind::PickupFailed)
            ),
        ]
        .spacing(6);
        if dispatcher {
            actions = actions
                .push(act(t("orders.act_assign"), Message::OpenAssign))
                .push(act(
                    t("orders.act_close"),
                    Message::OpenReason(ReasonKind::Close),
                ));
        }
        let actions = actions.wrap().vertical_spacing(6);
        let mut col = column![
            text(format!("{} {}", t("orders.order"), o.order_no))
                .size(16)
                .font(crate::ui::font::BOLD),
            actions
        ]
        .spacing(6);

        col = col.push(widget::muted(t("orders.keys_hint")).size(11));
        if let OutboxState::Rejected(why) = &r.outbox {
            col = col.push(widget::banner(
                column![
                    text(i18n::tf(lang, "orders.rejected", &[("why", why)])),
                    widget::tool(
                        t("orders.dismiss"),
                        Some(Message::Dismiss(o.order_no.clone()))
                    ),
                ]
                .spacing(6),
                Tone::Danger,
            ));
        }
        let outlet = |c: &Option<String>| {
            c.as_deref()
                .map(|c| ctx.outlet_label(c))
                .unwrap_or_else(|| t("orders.pool"))
        };
        let kv = |k: &str, v: String| {
            row![text(ctx.t(k)).size(13).width(90), text(v).size(13)].spacing(8)
        };
        let mode = match o.transport_mode {
            TransportMode::Standard => "mode.standard",
            TransportMode::Express => "mode.express",
            TransportMode::Air => "mode.air",
            TransportMode::PartnerLine => "mode.partner_line",
            TransportMode::FullTruck => "mode.full_truck",
        };
        col = col
            .push(kv(
                "orders.f_status",
                i18n::t(lang, &format!("status.{}", o.status.as_str())),
            ))
            .push(kv(
                "orders.f_trade",
                o.trade_status
                    .as_deref()
                    // Alibaba may send a trade status we have no text for:
                    // show it as sent rather than a table key.
                    .map(|s| {
                        let key = format!("trade.{s}");
                        if i18n::has(&key) {
                            i18n::t(lang, &key)
                        } else {
                            s.to_owned()
                        }
                    })
                    .unwrap_or_else(|| "—".into()),
            ))
            .push(kv("orders.f_logistics", o.logistics_no.clone()))
            .push(kv("orders.f_account", o.ali_account.clone()))
            .push(kv(
                "orders.f_shipper",
                format!(
                    "{} {} {}",
                    o.shipper.name, o.shipper.phone, o.shipper.company
                ),
            ))
            .push(kv(
                "orders.f_from",
                format!(
                    "{}{}{} {}",
                    o.shipper.province, o.shipper.city, o.shipper.district, o.shipper.address
                ),
            ))
            .push(kv(
                "orders.f_consignee",
                format!("{} {}", o.consignee.name, o.consignee.phone),
            ))
            .push(kv(
                "orders.f_to",
                format!(
                    "{}{} {}",
                    o.consignee.province, o.consignee.city, o.consignee.address
                ),
            ))
            .push(kv(
                "orders.f_cargo",
                format!(
                    "{} ×{} · {} kg · {} m³ · {}",
                    o.cargo.name,
                    o.cargo.pieces,
                    kg(o.cargo.weight_g),
                    m3(o.cargo.volume_cm3),
                    o.cargo.packaging
                ),
            ))
            .push(kv("orders.f_mode", i18n::t(lang, mode)))
            .push(kv(
                "orders.f_pickup",
                match (o.pickup_required, o.pickup_time) {
                    (true, Some(tm)) => format!("{} {}", t("orders.pickup_yes"), short_time(tm)),
                    (true, None) => t("orders.pickup_yes"),
                    _ => t("orders.pickup_no"),
                },
            ))
            .push(kv("orders.f_value", yuan(o.declared_value)))
            .push(kv("orders.f_cod", yuan(o.cod_amount)))
            .push(kv(
                "orders.f_payment",
                i18n::t(
                    lang,
                    &format!(
                        "payment.{}",
                        serde_json::to_value(o.payment)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default()
                    ),
                ),
            ))
            .push(kv("orders.f_remark", o.remark.clone()))
            .push(kv("orders.f_placed", short_time(o.created_at)))
            .push(kv("orders.f_current", outlet(&o.current_outlet_code)))
            .push(kv(
                "orders.f_accepting",
                o.accepting_outlet_code
                    .as_deref()
                    .map(|c| ctx.outlet_label(c))
                    .unwrap_or_else(|| "—".into()),
            ))
            .push(kv(
                "orders.f_reason",
                o.last_reason_code
                    .as_deref()
                    .map(|c| {
                        format!(
                            "{} {}",
                            ctx.params.reason_label(c),
                            o.last_note.clone().unwrap_or_default()
                        )
                    })
                    .unwrap_or_else(|| "—".into()),
            ));
        col = col.push(
            text(t("orders.snapshot"))
                .size(14)
                .font(crate::ui::font::BOLD),
        );
        col = col
            .push(kv("orders.f_goods", o.snapshot.goods_title.clone()))
            .push(kv("orders.f_price", yuan(o.snapshot.price)))
            .push(text(o.snapshot.description.as_str()).size(12));
        col = col.push(
            text(t("orders.history"))
                .size(14)
                .font(crate::ui::font::BOLD),
        );
        match &self.events {
            Some((no, Ok(evs))) if no == &o.order_no => {
                for e in evs {
                    let mut line = format!(
                        "{} {} {} {}",
                        short_time(e.at),
                        e.actor_login,
                        e.outlet_code
                            .as_deref()
                            .map(|c| ctx.outlet_label(c))
                            .unwrap_or_default(),
                        i18n::t(lang, &format!("event.{}", e.action)),
                    );
                    if let Some(rc) = &e.reason_code {
                        line.push_str(&format!(" · {}", ctx.params.reason_label(rc)));
                    }
                    if let Some(n) = &e.note {
                        line.push_str(&format!(" · {n}"));
                    }
                    col = col.push(text(line).size(12));
                }
            }
            Some((no, Err(e))) if no == &o.order_no => {
                col = col.push(widget::error_line(e.as_str()))
            }
            _ if !ctx.online => col = col.push(widget::muted(t("orders.history_offline")).size(12)),
            _ => col = col.push(widget::muted(t("orders.loading")).size(12)),
        }
        col.into()
    }

    fn dialog_view<'a>(&'a self, ctx: &Ctx<'a>, d: &'a Dialog) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        // "状态：已受理" / "Status: accepted": the punctuation is the language's.
        let labelled = |k: &str, value: String| {
            i18n::tf(lang, "fmt.labelled", &[("label", &t(k)), ("value", &value)])
        };
        let buttons = |ok: String| {
            row![
                widget::tool(ok, Some(Message::Submit)),
                widget::secondary(t("orders.cancel_esc"), Some(Message::CloseDialog)),
            ]
            .spacing(10)
        };
        match d {
            Dialog::Accept {
                order_no,
                weight,
                volume,
                pickup,
                time,
                errors,
            } => {
                let err = |f: &str| errors.iter().find(|(k, _)| k == f).map(|(_, v)| v);
                column![
                    text(i18n::tf(lang, "orders.accept_title", &[("no", order_no)])).size(18),
                    widget::field(
                        t("orders.weight_kg"),
                        text_input("", weight)
                            .id("accept-weight")
                            .on_input(Message::Weight)
                            .on_submit(Message::Submit)
                            .padding(6),
                        err("weight_g")
                    ),
                    widget::field(
                        t("orders.volume_m3"),
                        text_input("", volume)
                            .id("accept-volume")
                            .on_input(Message::Volume)
                            .on_submit(Message::Submit)
                            .padding(6),
                        err("volume_cm3")
                    ),
                    checkbox(*pickup)
                        .label(t("orders.pickup_needed"))
                        .on_toggle(Message::Pickup),
                    widget::field(
                        t("orders.pickup_time"),
                        text_input(&t("orders.time_placeholder"), time)
                            .id("accept-time")
                            .on_input_maybe(pickup.then_some(Message::PickupTime))
                            .on_submit(Message::Submit)
                            .padding(6),
                        err("pickup_time")
                    ),
                    buttons(t("orders.accept_ok")),
                ]
                .spacing(12)
                .width(420)
                .into()
            }
            Dialog::Reason {
                order_no,
                kind,
                reason,
                note,
                error,
            } => {
                let (title, key) = match kind {
                    ReasonKind::Return => ("orders.return_title", "orders.return_ok"),
                    ReasonKind::PickupFailed => ("orders.failed_title", "orders.failed_ok"),
                    ReasonKind::Close => ("orders.close_title", "orders.close_ok"),
                };
                let mut col = column![
                    text(i18n::tf(lang, title, &[("no", order_no)])).size(18),
                    text(t("orders.reason_hint")).size(12)
                ]
                .spacing(8);
                let live = live_reasons(ctx, *kind);
                let chosen = reason
                    .as_ref()
                    .and_then(|c| live.iter().position(|r| &r.code == c));
                for (i, r) in live.into_iter().enumerate() {
                    let label = format!("{} {}", i + 1, r.label);
                    col = col.push(radio(label, i, chosen, Message::ReasonIndex).size(16));
                }
                col = col.push(widget::field(
                    t("field.note"),
                    text_input(&t("orders.note_placeholder"), note)
                        .id("reason-note")
                        .on_input(Message::Note)
                        .on_submit(Message::Submit)
                        .padding(6),
                    error.as_ref(),
                ));
                col.push(buttons(t(key))).width(420).into()
            }
            Dialog::Assign {
                order_no,
                outlet,
                error,
            } => column![
                text(i18n::tf(lang, "orders.assign_title", &[("no", order_no)])).size(18),
                widget::field(
                    t("orders.assign_to"),
                    combo_box(
                        &self.assign_choices,
                        &t("staff.outlet_placeholder"),
                        outlet.as_ref(),
                        Message::AssignTo
                    )
                    .padding(6),
                    error.as_ref()
                ),
                buttons(t("orders.assign_ok")),
            ]
            .spacing(12)
            .width(420)
            .into(),
            Dialog::Query(r) => {
                let mut col = column![text(t("orders.query_title")).size(18)].spacing(8);
                match r {
                    Err(e) => col = col.push(widget::error_line(e.as_str())),
                    Ok(v) => {
                        let s = |k: &str| v[k].as_str().map(str::to_owned);
                        let label = |c: Option<String>| {
                            c.map(|c| ctx.outlet_label(&c))
                                .unwrap_or_else(|| t("orders.pool"))
                        };
                        let status = s("status")
                            .map(|st| i18n::t(lang, &format!("status.{st}")))
                            .unwrap_or_default();
                        col = col
                            .push(text(format!(
                                "{} {}",
                                t("orders.order"),
                                s("order_no").unwrap_or_default()
                            )))
                            .push(text(labelled("orders.f_status", status)))
                            .push(text(labelled(
                                "orders.f_current",
                                label(s("current_outlet_code")),
                            )))
                            .push(text(labelled(
                                "orders.f_accepting",
                                s("accepting_outlet_code")
                                    .map(|c| ctx.outlet_label(&c))
                                    .unwrap_or_else(|| "—".into()),
                            )));
                        if v.get("shipper").is_some() {
                            col = col.push(text(labelled(
                                "orders.f_shipper",
                                format!(
                                    "{} {}",
                                    v["shipper"]["name"].as_str().unwrap_or(""),
                                    v["shipper"]["phone"].as_str().unwrap_or("")
                                ),
                            )));
                        } else {
                            col = col.push(widget::muted(t("orders.query_limited")).size(12));
                        }
                    }
                }
                col.push(widget::tool(t("dialog.ok"), Some(Message::CloseDialog)))
                    .width(420)
                    .into()
            }
        }
    }
}

fn live_reasons<'a>(ctx: &Ctx<'a>, kind: ReasonKind) -> Vec<&'a Reason> {
    let list = match kind {
        ReasonKind::PickupFailed => &ctx.params.pickup_failed_reasons,
        _ => &ctx.params.return_reasons,
    };
    list.iter().filter(|r| !r.retired).collect()
}

fn outbox_label(lang: i18n::Lang, r: &OrderRow) -> (String, Option<Tone>) {
    let what = r
        .pending_action
        .as_ref()
        .map(|a| i18n::t(lang, &format!("event.{}", a.name())))
        .unwrap_or_default();
    match &r.outbox {
        OutboxState::None => (String::new(), None),
        OutboxState::Queued => (
            i18n::tf(lang, "outbox.queued", &[("what", &what)]),
            Some(Tone::Info),
        ),
        OutboxState::Sending => (
            i18n::tf(lang, "outbox.sending", &[("what", &what)]),
            Some(Tone::Info),
        ),
        OutboxState::Synced => (i18n::t(lang, "outbox.synced"), Some(Tone::Success)),
        OutboxState::Rejected(_) => (i18n::t(lang, "outbox.rejected"), Some(Tone::Danger)),
    }
}

/// The minutes of a duration, for parameter displays.
pub fn minutes(d: Duration) -> i64 {
    d.num_minutes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(kg(12_500), "12.5");
        assert_eq!(kg(1_000), "1");
        assert_eq!(m3(350_000), "0.35");
        assert_eq!(m3(0), "0");
        assert_eq!(yuan(150_050), "¥1500.50");
        assert_eq!(parse_kg("12.5"), Some(12_500));
        assert_eq!(parse_kg("-1"), None);
        assert_eq!(parse_kg("abc"), None);
        assert_eq!(parse_m3("0.35"), Some(350_000));
        let t = parse_cst("2026-11-27 09:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-27T01:30:00+00:00");
        assert!(parse_cst("tomorrow").is_none());
    }
}
