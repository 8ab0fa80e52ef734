//! 阿里订单受理: the outlet selector, the paged pending list with red rows
//! and the call countdown, the detail panel, the clerk's actions, 查询.

mod columns;
mod detail;
mod dialog;
pub mod export;
mod keys;
mod list;
mod printing;

pub(crate) use detail::order_fields;

use crate::ui::network_data::NetworkData;
use crate::ui::notice::Notice;
use crate::ui::theme::Tone;
use crate::ui::widget::Choice;
use crate::ui::widget::picker::{Picked, Picker, PickerMsg};
use iced::Task;

use super::Ctx;
use crate::api::OrderEvent;
use crate::domain::order::{self, ActionKind};
use crate::domain::visibility::{self, Scope};
use crate::domain::{Action, Status};
use crate::i18n;
use crate::store::{ListFilter, OrderRow, PageQuery, SortOrder, StoreError};
use crate::sync::{ClientError, OrderAnswer};
use dialog::Dialog;

/// What 阿里订单受理 tells the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// An action was saved in the outbox: send it now.
    ActionQueued,
    /// The user asked for a sync now.
    SyncNow,
    /// 开单 on an order: open the 开单 screen on it.
    OpenWaybill(Box<crate::domain::Order>),
    /// The count of orders waiting for a first call, read from the cache
    /// (`before`: the count shown until now), for the tray and alerts.
    Waiting { count: i64, before: i64 },
    /// A list was exported: remember where and how on this PC.
    RememberExport(crate::config::ExportPrefs),
}

/// Rows per page of the list.
pub const PAGE: i64 = 50;

/// Which reason-taking action a dialog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonKind {
    Return,
    PickupFailed,
    Close,
}

impl ReasonKind {
    /// The action with its reason and note.
    pub fn with(self, reason_code: String, note: String) -> Action {
        match self {
            ReasonKind::Return => Action::Return { reason_code, note },
            ReasonKind::PickupFailed => Action::PickupFailed { reason_code, note },
            ReasonKind::Close => Action::Close { reason_code, note },
        }
    }

    /// The action the dialog ends in.
    pub fn action(self) -> ActionKind {
        match self {
            ReasonKind::Return => ActionKind::Return,
            ReasonKind::PickupFailed => ActionKind::PickupFailed,
            ReasonKind::Close => ActionKind::Close,
        }
    }
}

/// 阿里订单受理 messages.
#[derive(Debug, Clone)]
pub enum Message {
    /// An outlet was picked in 网点选项.
    Selector(Choice<String>),
    /// Typing, ↑↓ or Enter in 网点选项.
    SelectorPick(PickerMsg),
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
    /// 知道了 on the screen's notice.
    DismissNotice,
    /// How many pending orders the list's place (网点选项) holds, for the
    /// counts shown beside the list (numbered like `Loaded`).
    ListPending(u64, i64),
    /// Whether a first sync's bulk load is still under way (numbered like
    /// `Loaded`): an empty list then says the orders are still coming.
    FirstSync(u64, bool),
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
    /// 开单 on the selected order.
    OpenWaybill,
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
    AssignPick(PickerMsg),
    /// Characters typed before the new dialog's first field had the
    /// keyboard (they arrived while it was opening): they go into it.
    TypeAhead(String),
    /// The new dialog's first field has the keyboard.
    FocusLanded,
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
    QueryAnswer(Result<OrderAnswer, String>),
    /// 导出 and its panel.
    Export(crate::ui::export::ExportMsg),
    /// 导出此订单 in the 查询 answer: that one order, through the same panel.
    ExportQuery,
    /// An order's print tick set or cleared.
    Mark(String, bool),
    /// Tick every order on the page (Ctrl+A).
    MarkPage,
    /// Clear every tick.
    ClearMarks,
    /// The modifier keys now held (Ctrl/Shift+click).
    Modifiers(iced::keyboard::Modifiers),
    /// 打印 (Ctrl+P): the preview of the ticked (else the selected) orders.
    OpenPrint,
    /// 打印 in the 查询 answer: the preview of that one order.
    PrintQuery,
    /// The layouts this PC prints with arrived: the preview of these
    /// orders opens.
    PrintLayouts(Vec<crate::domain::Order>, crate::domain::print::PrintSetup),
    /// Inside the print preview.
    Preview(crate::ui::screen::print::Message),
    /// `printed` was queued for this many orders.
    PrintRecorded(Result<usize, StoreError>),
}

/// The 阿里订单受理 screen.
pub struct State {
    selector: Option<Choice<String>>,
    selector_set: bool,
    /// 网点选项's picker over the user's own subtree.
    selector_picker: Picker,
    /// 分配's picker over the outlets that may receive orders.
    assign: Picker,
    status: Option<Status>,
    sort: SortOrder,
    page: i64,
    rows: Vec<OrderRow>,
    total: i64,
    /// Whether `total` is exact (else it stops past COUNT_CAP).
    count_exact: bool,
    uncontacted: i64,
    /// Pending orders at the list's place: what every count in the window
    /// describes, so it agrees with the rows (the whole view's
    /// `uncontacted` may be far larger for HQ).
    list_pending: i64,
    /// Whether the list's place is the user's whole view.
    list_is_whole: bool,
    /// A first sync's bulk load is under way: the per-outlet lists fill
    /// when it ends (store/bulk.rs), so an empty list is not "no orders".
    first_sync: bool,
    selected: Option<String>,
    events: Option<(String, Result<Vec<OrderEvent>, String>)>,
    dialog: Option<Dialog>,
    /// The open dialog's action is being written to the outbox: the
    /// dialog (and what the clerk typed) stays until that succeeded.
    submitting: bool,
    /// The dialog just opened and its first field is not focused yet:
    /// keys typed meanwhile (G then 扬州 at once, on a busy PC) reach the
    /// screen, not the field, and are typed into the field instead.
    typing_ahead: bool,
    query: String,
    notice: Option<Notice>,
    /// Number of the newest page request.
    load_seq: u64,
    /// 导出's panel.
    export: crate::ui::export::Exporter,
    /// The order 查询 found, while its export panel is open (else the list).
    export_one: Option<crate::domain::Order>,
    /// Orders ticked for printing, across pages.
    marked: std::collections::BTreeMap<String, crate::domain::Order>,
    /// The row Shift+click ticks from.
    anchor: Option<String>,
    /// Modifier keys held now.
    mods: iced::keyboard::Modifiers,
    /// The print preview, while open.
    preview: Option<crate::ui::screen::print::Preview>,
}

impl Default for State {
    fn default() -> Self {
        State {
            selector: None,
            selector_set: false,
            selector_picker: Picker::default(),
            assign: Picker::default(),
            status: Some(Status::Pending),
            sort: SortOrder::OldestFirst,
            page: 0,
            rows: Vec::new(),
            total: 0,
            count_exact: true,
            uncontacted: 0,
            list_pending: 0,
            list_is_whole: true,
            first_sync: false,
            selected: None,
            events: None,
            dialog: None,
            submitting: false,
            typing_ahead: false,
            query: String::new(),
            notice: None,
            load_seq: 0,
            export: crate::ui::export::Exporter::default(),
            export_one: None,
            marked: Default::default(),
            anchor: None,
            mods: Default::default(),
            preview: None,
        }
    }
}

impl State {
    /// Called when the network changed: the selector's choices are the
    /// user's own subtree (HQ: everything).
    pub fn network_changed(&mut self, ctx: &Ctx<'_>, net: &NetworkData) {
        let user = &ctx.user.outlet_code;
        self.selector_picker
            .set_options(net.choices.clone(), Some(net.mine.clone()));
        self.assign
            .set_options(net.choices.clone(), Some(net.targets.clone()));
        if !self.selector_set {
            // HQ users start on HQ (the pool); others on their own subtree.
            self.selector = visibility::default_selector(user, ctx.tree).map(|code| Choice {
                label: ctx.outlet_label(&code),
                value: code,
            });
            self.selector_set = ctx.tree.get(user).is_some();
        }
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
            Scope::Subtree(root) => ListFilter::Subtree(root),
        })
    }

    /// Loads the current page (and the alert count) from the cache.
    pub fn reload(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let filter = match self.filter(ctx) {
            Ok(f) => f,
            Err(e) => {
                self.notice = Some(Notice::new(e, Tone::Danger));
                return Task::none();
            }
        };
        // The same place, pending only, no rows: the count the banner,
        // badge and title show.
        // No selector: the user's whole view (a clerk's own subtree).
        self.list_is_whole = self.selector.is_none() || filter == ListFilter::All;
        self.count_exact = filter.counts_exactly();
        let pending_q = PageQuery {
            filter: filter.clone(),
            status: Some(Status::Pending),
            sort: self.sort,
            offset: 0,
            limit: 0,
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
        let store3 = ctx.store.clone();
        let store4 = ctx.store.clone();
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
            Task::perform(
                async move { store3.run(move |s| s.page(&pending_q)).await },
                move |r| Message::ListPending(seq, r.map_or(0, |(_, n)| n)),
            ),
            Task::perform(
                async move { store4.run(|s| s.first_sync_under_way()).await },
                move |r| Message::FirstSync(seq, r.unwrap_or(false)),
            ),
        ])
    }

    /// The sync engine finished a round that sent or had refused actions.
    pub fn synced(&mut self, lang: i18n::Lang, applied: &[(String, ActionKind)], rejected: usize) {
        if rejected > 0 {
            self.notice = Some(Notice::new(
                i18n::tf(
                    lang,
                    "orders.some_rejected",
                    &[("n", &rejected.to_string())],
                ),
                Tone::Danger,
            ));
        } else if let Some(text) = applied_notice(lang, applied) {
            self.notice = Some(Notice::new(text, Tone::Success));
        }
    }

    /// Lets a success notice fade once it has had its time.
    pub fn fade_notices(&mut self, now: std::time::Instant) {
        crate::ui::notice::fade(&mut self.notice, now);
    }

    /// Orders waiting for a first call anywhere in the user's view, for
    /// the desktop alert.
    pub fn uncontacted(&self) -> i64 {
        self.uncontacted
    }

    /// Pending orders at the place the list shows, for the navigation
    /// badge and the window title: the same rows the list holds.
    pub fn list_pending(&self) -> i64 {
        self.list_pending
    }

    /// Why `kind` cannot apply to the selected order, in the user's words;
    /// `None` when it can (or while an action of it waits to be sent, whose
    /// effect the row does not show yet).
    pub(super) fn why_not(&self, ctx: &Ctx<'_>, kind: ActionKind) -> Option<String> {
        let row = self.selected_row()?;
        if row.pending_action.is_some() {
            return None;
        }
        let status = row.order.status;
        let in_pool = visibility::is_pool(row.order.current_outlet_code.as_deref(), ctx.tree);
        let action = ctx.t(&format!("event.{}", kind.name()));
        match order::precondition(kind, status, ctx.user.role, in_pool) {
            Ok(()) => None,
            Err(order::ActionError::Role) => Some(i18n::tf(
                ctx.lang,
                "orders.why_not_role",
                &[("action", &action)],
            )),
            Err(_) if in_pool && status == Status::Pending => Some(i18n::tf(
                ctx.lang,
                "orders.why_not_pool",
                &[("action", &action)],
            )),
            Err(_) => Some(i18n::tf(
                ctx.lang,
                "orders.why_not_state",
                &[
                    ("status", &ctx.t(&format!("status.{}", status.as_str()))),
                    ("action", &action),
                ],
            )),
        }
    }

    fn selected_row(&self) -> Option<&OrderRow> {
        let no = self.selected.as_deref()?;
        self.rows.iter().find(|r| r.order.order_no == no)
    }

    /// A key (or a stale click) for an action the order's state forbids
    /// says why instead of opening a dialog that could only be refused.
    fn refused(&mut self, message: &Message, ctx: &Ctx<'_>) -> bool {
        let offered = match message {
            Message::Contacted => Some(ActionKind::Contacted),
            Message::OpenAccept => Some(ActionKind::Accept),
            Message::OpenReason(k) => Some(k.action()),
            Message::OpenAssign => Some(ActionKind::Assign),
            Message::OpenWaybill => Some(ActionKind::ImportWaybill),
            _ => None,
        };
        match offered.and_then(|k| self.why_not(ctx, k)) {
            Some(why) => {
                self.notice = Some(Notice::new(why, Tone::Warning));
                true
            }
            None => false,
        }
    }

    /// Handles one message.
    pub fn update(&mut self, message: Message, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        if self.refused(&message, ctx) {
            return (Task::none(), None);
        }
        match message {
            m @ (Message::SelectorPick(_)
            | Message::Selector(_)
            | Message::ClearSelector
            | Message::StatusFilter(_)
            | Message::ToggleSort
            | Message::PrevPage
            | Message::NextPage
            | Message::Reload) => return (self.update_list(m, ctx), None),
            Message::Loaded(seq, _) if seq != self.load_seq => {}
            Message::Loaded(_, Ok((rows, total))) => return (self.loaded(rows, total, ctx), None),
            Message::Loaded(_, Err(e)) => {
                self.notice = Some(Notice::new(e.user_message(ctx.lang), Tone::Danger))
            }
            Message::DismissNotice => self.notice = None,
            Message::ListPending(seq, n) => {
                if seq == self.load_seq {
                    self.list_pending = n;
                }
            }
            Message::FirstSync(seq, on) => {
                if seq == self.load_seq {
                    self.first_sync = on;
                }
            }
            Message::Uncontacted(n) => {
                let before = std::mem::replace(&mut self.uncontacted, n);
                return (Task::none(), Some(Event::Waiting { count: n, before }));
            }
            m @ (Message::Mark(..)
            | Message::MarkPage
            | Message::ClearMarks
            | Message::Modifiers(_)
            | Message::OpenPrint
            | Message::PrintQuery
            | Message::PrintLayouts(..)
            | Message::Preview(_)
            | Message::PrintRecorded(_)) => return self.update_print(m, ctx),
            Message::Select(no) => {
                self.click_marks(&no);
                self.selected = Some(no);
                return (self.load_events(ctx), None);
            }
            Message::Move(d) => return (self.move_selection(d, ctx), None),
            Message::Events(no, r) => {
                self.events = Some((no, r.map_err(|e| e.user_message(ctx.lang))));
            }
            Message::OpenWaybill => {
                if let Some(r) = self.selected_row() {
                    return (
                        Task::none(),
                        Some(Event::OpenWaybill(Box::new(r.order.clone()))),
                    );
                }
            }
            Message::Contacted => {
                if let Some(r) = self.selected_row() {
                    let no = r.order.order_no.clone();
                    return self.queue(ctx, &no, Action::Contacted);
                }
            }
            m @ (Message::OpenAccept
            | Message::OpenReason(_)
            | Message::OpenAssign
            | Message::Weight(_)
            | Message::Volume(_)
            | Message::Pickup(_)
            | Message::PickupTime(_)
            | Message::ReasonIndex(_)
            | Message::Note(_)
            | Message::AssignPick(_)
            | Message::TypeAhead(_)
            | Message::FocusLanded
            | Message::Query
            | Message::QueryAnswer(_)) => return self.update_dialog(m, ctx),
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
                self.notice = Some(Notice::new(ctx.t("orders.queued"), Tone::Info));
                return (self.reload(ctx), Some(Event::ActionQueued));
            }
            Message::Queued(Err(e)) => {
                // The dialog stays open with what was typed; try again.
                self.submitting = false;
                self.notice = Some(Notice::new(e.user_message(ctx.lang), Tone::Danger));
            }
            Message::Dismiss(no) => return (dismiss(no, ctx), Some(Event::ActionQueued)),
            Message::SyncNow => return (Task::none(), Some(Event::SyncNow)),
            Message::QueryInput(q) => self.query = q,
            Message::Export(m) => {
                if matches!(m, crate::ui::export::ExportMsg::Open) {
                    // 导出 in the toolbar: the list, not an order found before.
                    self.export_one = None;
                }
                return self.export(m, ctx);
            }
            Message::ExportQuery => {
                if let Some(Dialog::Query(Ok(OrderAnswer::Full(o)))) = &self.dialog {
                    self.export_one = Some((**o).clone());
                    self.dialog = None;
                    return self.export(crate::ui::export::ExportMsg::Open, ctx);
                }
            }
        }
        (Task::none(), None)
    }

    /// 导出: the whole list under the current 网点选项, status and order.
    fn export(
        &mut self,
        m: crate::ui::export::ExportMsg,
        ctx: &Ctx<'_>,
    ) -> (Task<Message>, Option<Event>) {
        use crate::ui::export::ExportMsg;
        let mut request = None;
        if matches!(m, ExportMsg::Start)
            && let Some(o) = &self.export_one
        {
            request = Some(export::one(o.clone(), ctx));
        } else if matches!(m, ExportMsg::Start) {
            match self.filter(ctx) {
                Ok(filter) => {
                    let q = PageQuery {
                        filter,
                        status: self.status,
                        sort: self.sort,
                        offset: 0,
                        limit: 0,
                    };
                    request = Some(export::request(q, self.total, ctx));
                }
                Err(e) => self.notice = Some(Notice::new(e, Tone::Danger)),
            }
        }
        let title = match self.export_one {
            Some(_) => ctx.t("export.query_title"),
            None => ctx.t("export.orders_title"),
        };
        let (task, remember) = self.export.update(m, request, &title, ctx);
        (
            task.map(Message::Export),
            remember.map(Event::RememberExport),
        )
    }

    /// Where the list looks: the selector, the status filter, the order,
    /// the page.
    fn update_list(&mut self, message: Message, ctx: &Ctx<'_>) -> Task<Message> {
        match message {
            Message::SelectorPick(m) => {
                if let Picked::Chose(c) = self.selector_picker.update(m) {
                    return self.update_list(Message::Selector(c), ctx);
                }
            }
            Message::Selector(c) => {
                self.selector_picker.clear();
                self.selector = Some(c);
                self.selector_set = true;
                self.page = 0;
                return self.reload(ctx);
            }
            Message::ClearSelector => {
                self.selector = None;
                self.selector_set = true;
                self.page = 0;
                return self.reload(ctx);
            }
            Message::StatusFilter(c) => {
                self.status = c.value;
                self.page = 0;
                return self.reload(ctx);
            }
            Message::ToggleSort => {
                self.sort = match self.sort {
                    SortOrder::OldestFirst => SortOrder::NewestFirst,
                    SortOrder::NewestFirst => SortOrder::OldestFirst,
                };
                self.page = 0;
                return self.reload(ctx);
            }
            Message::PrevPage if self.page > 0 => {
                self.page -= 1;
                return self.reload(ctx);
            }
            Message::NextPage if (self.page + 1) * PAGE < self.total => {
                self.page += 1;
                return self.reload(ctx);
            }
            Message::PrevPage | Message::NextPage => {}
            Message::Reload => return self.reload(ctx),
            _ => {}
        }
        Task::none()
    }

    /// A page arrived: past the end (rows went away) it steps back; the
    /// selection stays on its order while that is on the page.
    fn loaded(&mut self, rows: Vec<OrderRow>, total: i64, ctx: &Ctx<'_>) -> Task<Message> {
        self.rows = rows;
        self.total = total;
        if self.page > 0 && self.page * PAGE >= total {
            self.page = (total - 1).max(0) / PAGE;
            return self.reload(ctx);
        }
        let still = self
            .selected
            .as_ref()
            .is_some_and(|s| self.rows.iter().any(|r| &r.order.order_no == s));
        if !still {
            self.selected = self.rows.first().map(|r| r.order.order_no.clone());
            return self.load_events(ctx);
        }
        Task::none()
    }

    /// ↑/↓: the selection moves by `d` rows, staying on the page.
    fn move_selection(&mut self, d: i32, ctx: &Ctx<'_>) -> Task<Message> {
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
            return self.load_events(ctx);
        }
        Task::none()
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
}

/// 知道了 on a refusal: closes it in the outbox, then reloads.
fn dismiss(no: String, ctx: &Ctx<'_>) -> Task<Message> {
    let store = ctx.store.clone();
    Task::perform(
        async move { store.run(move |s| s.dismiss_rejection(&no)).await },
        |r| {
            // The refusal stays shown; the clerk can try again.
            if let Err(e) = r {
                tracing::warn!("dismissing a refusal failed: {e}");
            }
            Message::Reload
        },
    )
}

/// What the server confirmed, naming the orders: "订单 A-1 已受理。", or
/// for several "3 个操作已被服务器确认：订单 A-1、A-2、A-3。".
fn applied_notice(lang: i18n::Lang, applied: &[(String, ActionKind)]) -> Option<String> {
    match applied {
        [] => None,
        [(no, kind)] => Some(i18n::tf(
            lang,
            "orders.applied_one",
            &[
                ("no", no),
                ("what", &i18n::t(lang, &format!("done.{}", kind.name()))),
            ],
        )),
        many => {
            let mut nos: Vec<&str> = many.iter().map(|(no, _)| no.as_str()).collect();
            nos.dedup();
            const SHOWN: usize = 5;
            let mut list = nos
                .iter()
                .take(SHOWN)
                .copied()
                .collect::<Vec<_>>()
                .join(&i18n::t(lang, "list.separator"));
            if nos.len() > SHOWN {
                list.push_str(&i18n::t(lang, "list.more"));
            }
            Some(i18n::tf(
                lang,
                "orders.sent",
                &[("n", &many.len().to_string()), ("orders", &list)],
            ))
        }
    }
}

#[cfg(test)]
mod notice_tests {
    use super::*;

    #[test]
    fn confirmations_name_the_order_and_what_happened() {
        use crate::i18n::Lang;
        assert_eq!(
            applied_notice(Lang::ZhCn, &[("A-1".into(), ActionKind::Accept)]).as_deref(),
            Some("订单 A-1 已受理。")
        );
        assert_eq!(
            applied_notice(Lang::En, &[("A-1".into(), ActionKind::Return)]).as_deref(),
            Some("Order A-1: returned.")
        );
        let two = applied_notice(
            Lang::ZhCn,
            &[
                ("A-1".into(), ActionKind::Contacted),
                ("A-2".into(), ActionKind::Accept),
            ],
        )
        .unwrap();
        assert!(two.contains("A-1") && two.contains("A-2"), "{two}");
        assert_eq!(applied_notice(Lang::ZhCn, &[]), None);
    }
}
