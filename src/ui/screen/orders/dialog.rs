//! The dialogs of 阿里订单受理 (受理, 打回/收货失败/关闭, 分配, 查询):
//! their drafts, validation and the outbox write.

use crate::ui::Element;
use iced::Task;
use iced::widget::{column, radio, row, text, text_input};

use crate::ui::widget::picker::{Picked, PickerMsg};

/// The id of 分配's outlet field, focused when the dialog opens.
const ASSIGN_FIELD: &str = "assign-outlet";

use super::{Ctx, Event};
use crate::domain::Action;
use crate::domain::order::{self, ActionContext, ActionError};
use crate::domain::params::Reason;
use crate::domain::visibility::{self};
use crate::i18n;
use crate::store::OutboxState;
use crate::sync::OrderAnswer;
use crate::ui::fetch::{self, Fetched};
use crate::ui::notice::Notice;
use crate::ui::theme::Tone;
use crate::ui::widget::{self, Choice};

use super::{Message, ReasonKind, State};
use crate::ui::format::{cst, kg, m3, parse_kg, parse_m3, parse_pickup_time, pickup_example};

/// Which dialog is open.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Dialog {
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
    Query(Result<OrderAnswer, String>),
}

impl State {
    /// Opening a dialog, typing in it, and 查询.
    pub(super) fn update_dialog(
        &mut self,
        message: Message,
        ctx: &Ctx<'_>,
    ) -> (Task<Message>, Option<Event>) {
        let task = match message {
            Message::OpenAccept => self.open_accept(),
            Message::OpenReason(kind) => self.open_reason(kind, ctx),
            Message::OpenAssign => self.open_assign(ctx),
            Message::ReasonIndex(i) => {
                self.pick_reason(i, ctx);
                Task::none()
            }
            Message::AssignPick(m) => match self.assign.update(m) {
                Picked::Chose(c) => {
                    if let Some(Dialog::Assign { outlet, error, .. }) = &mut self.dialog {
                        *outlet = Some(c);
                        *error = None;
                    }
                    Task::none()
                }
                // Enter in an empty field is the dialog's Enter: 确定分配.
                Picked::Confirm => return self.submit(ctx),
                Picked::Nothing => Task::none(),
            },
            Message::TypeAhead(typed) => {
                self.type_ahead(&typed);
                Task::none()
            }
            Message::FocusLanded => {
                self.typing_ahead = false;
                Task::none()
            }
            Message::Query => self.query(ctx),
            Message::QueryAnswer(r) => {
                self.dialog = Some(Dialog::Query(r));
                Task::none()
            }
            typed => {
                self.type_in_dialog(typed);
                Task::none()
            }
        };
        (task, None)
    }

    /// 受理 on the selected order, its weight, volume and pickup filled in.
    fn open_accept(&mut self) -> Task<Message> {
        let Some(r) = self.selected_row() else {
            return Task::none();
        };
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
        self.focus_first("accept-weight")
    }

    /// Focuses the new dialog's first field; until that has happened,
    /// typed characters are kept for it (see [`State::type_ahead`]).
    fn focus_first(&mut self, id: &'static str) -> Task<Message> {
        self.typing_ahead = true;
        // The focus runs before the message that ends the type-ahead: both
        // come from one task, in order.
        iced::widget::operation::focus(id).chain(Task::done(Message::FocusLanded))
    }

    /// Characters that reached the screen while the dialog was opening go
    /// into its first field, after what is there (where the cursor lands).
    fn type_ahead(&mut self, typed: &str) {
        if !self.typing_ahead {
            return;
        }
        match &mut self.dialog {
            Some(Dialog::Accept { weight, .. }) => weight.push_str(typed),
            Some(Dialog::Assign { .. }) => {
                let query = format!("{}{typed}", self.assign.query());
                self.assign.update(PickerMsg::Query(query));
            }
            _ => {}
        }
    }

    /// 退回/揽收失败/关闭 (关闭 for dispatchers only).
    fn open_reason(&mut self, kind: ReasonKind, ctx: &Ctx<'_>) -> Task<Message> {
        if kind == ReasonKind::Close && !ctx.user.role.can_dispatch() {
            return Task::none();
        }
        let Some(r) = self.selected_row() else {
            return Task::none();
        };
        let order_no = r.order.order_no.clone();
        self.typing_ahead = false;
        self.dialog = Some(Dialog::Reason {
            order_no,
            kind,
            reason: None,
            note: String::new(),
            error: None,
        });
        // The reasons first: ↑/↓ or a digit picks one.
        widget::focus::move_focus(widget::focus::Move::First, Some(widget::focus::MODAL))
    }

    /// 分配 (dispatchers only), focused on the outlet picker.
    fn open_assign(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        if !ctx.user.role.can_dispatch() {
            return Task::none();
        }
        let Some(r) = self.selected_row() else {
            return Task::none();
        };
        self.dialog = Some(Dialog::Assign {
            order_no: r.order.order_no.clone(),
            outlet: None,
            error: None,
        });
        self.assign.clear();
        self.focus_first(ASSIGN_FIELD)
    }

    /// The reason picked by its place in the live list.
    fn pick_reason(&mut self, i: usize, ctx: &Ctx<'_>) {
        if let Some(Dialog::Reason { kind, reason, .. }) = &mut self.dialog
            && let Some(code) = live_reasons(ctx, *kind).get(i).map(|r| r.code.clone())
        {
            *reason = Some(code);
        }
    }

    /// Typing in the open dialog's fields.
    fn type_in_dialog(&mut self, message: Message) {
        match (message, &mut self.dialog) {
            (Message::Weight(v), Some(Dialog::Accept { weight, .. })) => *weight = v,
            (Message::Volume(v), Some(Dialog::Accept { volume, .. })) => *volume = v,
            (Message::Pickup(b), Some(Dialog::Accept { pickup, .. })) => *pickup = b,
            (Message::PickupTime(v), Some(Dialog::Accept { time, .. })) => *time = v,
            (Message::Note(v), Some(Dialog::Reason { note, .. })) => *note = v,
            _ => {}
        }
    }

    /// 查询: the server inside the user's view or not; offline, the cache.
    fn query(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let lang = ctx.lang;
        let no = self.query.trim().to_owned();
        if no.is_empty() {
            return Task::none();
        }
        let client = ctx.client.clone();
        let asked = no.clone();
        let ask = async move { client.order(&asked).await.map(Some) };
        let read = move |s: &crate::store::Store| {
            let row = s.order(&no)?;
            Ok(row.map(|r| OrderAnswer::Full(Box::new(r.order))))
        };
        // An answer is not kept: the pull brings the user's own orders.
        let fetched =
            fetch::server_else_cache(ctx.online, ask, ctx.store.clone(), read, |_, _| Ok(()));
        Task::perform(fetched, move |f| {
            Message::QueryAnswer(match f {
                Fetched::Server(Some(a))
                | Fetched::Cache {
                    answer: Ok(Some(a)),
                    ..
                } => Ok(a),
                Fetched::Server(None) => Err(i18n::t(lang, "orders.query_not_found")),
                Fetched::Cache {
                    answer: Ok(None), ..
                } => Err(i18n::t(lang, "orders.query_offline_unknown")),
                Fetched::Cache { answer: Err(e), .. } => Err(e.user_message(lang)),
                Fetched::Refused(e) if e.status() == Some(404) => {
                    Err(i18n::t(lang, "orders.query_not_found"))
                }
                Fetched::Refused(e) => Err(e.user_message(lang)),
            })
        })
    }

    /// Checks an action with the shared state machine, then saves it in the
    /// outbox; the sync task sends it.
    pub(super) fn queue(
        &mut self,
        ctx: &Ctx<'_>,
        order_no: &str,
        action: Action,
    ) -> (Task<Message>, Option<Event>) {
        let Some(row) = self.rows.iter().find(|r| r.order.order_no == order_no) else {
            return (Task::none(), None);
        };
        if matches!(row.outbox, OutboxState::Rejected(_)) {
            self.notice = Some(Notice::new(ctx.t("orders.dismiss_first"), Tone::Warning));
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
                    self.notice = Some(Notice::new(
                        i18n::tf(ctx.lang, "orders.not_now", &[("status", &status)]),
                        Tone::Warning,
                    ));
                    self.dialog = None;
                    return (Task::none(), None);
                }
                Err(ActionError::Role) => {
                    self.notice = Some(Notice::new(
                        i18n::t(ctx.lang, "err.forbidden"),
                        Tone::Warning,
                    ));
                    self.dialog = None;
                    return (Task::none(), None);
                }
                Err(ActionError::Rule(e)) => {
                    return (self.dialog_error(ctx, &e), None);
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

    /// Shows a refused action's rule in its dialog, and puts the cursor in
    /// the field to correct (the note after "选择“其他”时必须填写说明").
    pub(super) fn dialog_error(
        &mut self,
        ctx: &Ctx<'_>,
        e: &crate::domain::RuleError,
    ) -> Task<Message> {
        let f = crate::ui::screen::form::FormErrors::from_rule(ctx.lang, e);
        let first = FIELD_INPUTS
            .iter()
            .find(|(k, _)| f.fields.contains_key(*k))
            .map(|(_, id)| *id);
        match &mut self.dialog {
            Some(Dialog::Accept { errors, .. }) => {
                *errors = f.fields.into_iter().collect();
            }
            Some(Dialog::Reason { error, .. }) | Some(Dialog::Assign { error, .. }) => {
                *error = f.fields.into_values().next();
            }
            _ => self.notice = f.general.map(|g| Notice::new(g, Tone::Danger)),
        }
        first.map_or_else(Task::none, iced::widget::operation::focus)
    }

    pub(super) fn submit(&mut self, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
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
            } => match accept_action(ctx, &weight, &volume, pickup, &time) {
                Ok(action) => self.queue(ctx, &order_no, action),
                Err(errors) => {
                    let first = FIELD_INPUTS
                        .iter()
                        .find(|(k, _)| errors.iter().any(|(f, _)| f == k))
                        .map(|(_, id)| *id);
                    if let Some(Dialog::Accept { errors: e, .. }) = &mut self.dialog {
                        *e = errors;
                    }
                    (
                        first.map_or_else(Task::none, iced::widget::operation::focus),
                        None,
                    )
                }
            },
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
                let action = kind.with(code, note);
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

    pub(super) fn dialog_view<'a>(&'a self, ctx: &Ctx<'a>, d: &'a Dialog) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        match d {
            Dialog::Accept {
                order_no,
                weight,
                volume,
                pickup,
                time,
                errors,
            } => accept_view(ctx, order_no, [weight, volume], *pickup, time, errors),
            Dialog::Reason {
                order_no,
                kind,
                reason,
                note,
                error,
            } => reason_view(
                ctx,
                order_no,
                *kind,
                reason.as_deref(),
                note,
                error.as_ref(),
            ),
            Dialog::Assign {
                order_no,
                outlet,
                error,
            } => column![
                text(i18n::tf(lang, "orders.assign_title", &[("no", order_no)])).size(18),
                widget::field(
                    t("orders.assign_to"),
                    self.assign.view(
                        lang,
                        ASSIGN_FIELD,
                        outlet.as_ref().map(|c| c.label.clone()),
                        t("staff.outlet_placeholder"),
                        Message::AssignPick
                    ),
                    error.as_ref()
                ),
                buttons(ctx, t("orders.assign_ok")),
            ]
            .spacing(12)
            .width(420)
            .into(),
            Dialog::Query(r) => self.query_view(ctx, r),
        }
    }

    pub(super) fn query_view<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        r: &'a Result<OrderAnswer, String>,
    ) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        // "状态：已受理" / "Status: accepted": the punctuation is the language's.
        let labelled = |k: &str, value: String| {
            text(i18n::tf(
                lang,
                "fmt.labelled",
                &[("label", &t(k)), ("value", &value)],
            ))
        };
        let mut col = column![text(t("orders.query_title")).size(18)].spacing(8);
        match r {
            Err(e) => col = col.push(widget::error_line(e.as_str())),
            Ok(answer) => {
                let s = answer.summary();
                col = col
                    .push(text(format!("{} {}", t("orders.order"), s.order_no)))
                    .push(labelled(
                        "orders.f_status",
                        i18n::t(lang, &format!("status.{}", s.status.as_str())),
                    ))
                    .push(labelled(
                        "orders.f_current",
                        s.current_outlet_code
                            .map(|c| ctx.outlet_label(&c))
                            .unwrap_or_else(|| t("orders.pool")),
                    ))
                    .push(labelled(
                        "orders.f_accepting",
                        s.accepting_outlet_code
                            .map(|c| ctx.outlet_label(&c))
                            .unwrap_or_else(|| "—".into()),
                    ));
                col = match answer {
                    OrderAnswer::Full(o) => col.push(labelled(
                        "orders.f_shipper",
                        format!("{} {}", o.shipper.name, o.shipper.phone),
                    )),
                    OrderAnswer::Summary(_) => {
                        col.push(widget::muted(t("orders.query_limited")).size(12))
                    }
                };
            }
        }
        let ok = widget::tool(t("dialog.ok"), Some(Message::CloseDialog));
        // Only an order in the user's view has data worth a file.
        let buttons = match r {
            Ok(OrderAnswer::Full(_)) => row![
                ok,
                widget::secondary(t("export.query_button"), Some(Message::ExportQuery)),
                widget::secondary(t("print.query_button"), Some(Message::PrintQuery))
            ]
            .spacing(8),
            _ => row![ok],
        };
        col.push(buttons).width(420).into()
    }
}

pub(super) fn live_reasons<'a>(ctx: &Ctx<'a>, kind: ReasonKind) -> Vec<&'a Reason> {
    let list = match kind {
        ReasonKind::PickupFailed => &ctx.params.pickup_failed_reasons,
        _ => &ctx.params.return_reasons,
    };
    list.iter().filter(|r| !r.retired).collect()
}

/// 确定 and 取消(Esc) under a dialog.
/// The input that edits each rule field, in the dialogs' order: the first
/// wrong one gets the cursor.
const FIELD_INPUTS: [(&str, &str); 6] = [
    ("weight_g", "accept-weight"),
    ("volume_cm3", "accept-volume"),
    ("pickup_time", "accept-time"),
    ("note", "reason-note"),
    ("outlet_code", ASSIGN_FIELD),
    ("to_outlet_code", ASSIGN_FIELD),
];

fn buttons<'a>(ctx: &Ctx<'_>, ok: String) -> Element<'a, Message> {
    row![
        widget::tool(ok, Some(Message::Submit)),
        widget::secondary(ctx.t("orders.cancel_esc"), Some(Message::CloseDialog)),
    ]
    .spacing(10)
    .into()
}

/// The accept the dialog's text says, or the fields that do not parse
/// with why.
fn accept_action(
    ctx: &Ctx<'_>,
    weight: &str,
    volume: &str,
    pickup: bool,
    time: &str,
) -> Result<Action, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let w = parse_kg(weight);
    let v = parse_m3(volume);
    if let Err(code) = w {
        errors.push(("weight_g".to_owned(), i18n::rule(ctx.lang, code)));
    }
    if let Err(code) = v {
        errors.push(("volume_cm3".to_owned(), i18n::rule(ctx.lang, code)));
    }
    let t = if pickup && !time.trim().is_empty() {
        let t = parse_pickup_time(time, ctx.now);
        if let Err(key) = t {
            errors.push(("pickup_time".to_owned(), ctx.t(key)));
        }
        t.ok()
    } else {
        None
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Action::Accept {
        weight_g: w.unwrap_or_default(),
        volume_cm3: v.unwrap_or_default(),
        pickup_required: pickup,
        pickup_time: t,
    })
}

/// 受理: the measured weight and volume, the pickup and its time.
fn accept_view<'a>(
    ctx: &Ctx<'a>,
    order_no: &str,
    [weight, volume]: [&'a String; 2],
    pickup: bool,
    time: &'a str,
    errors: &'a [(String, String)],
) -> Element<'a, Message> {
    let lang = ctx.lang;
    let err = |f: &str| errors.iter().find(|(k, _)| k == f).map(|(_, v)| v);
    // Weight and volume: a number each, Enter submits.
    let number = |label: &str, value: &'a str, id: &'static str, on: fn(String) -> Message, f| {
        widget::field(
            ctx.t(label),
            text_input("", value)
                .id(id)
                .on_input(on)
                .on_submit(Message::Submit)
                .padding(6),
            err(f),
        )
    };
    let placeholder = i18n::tf(
        lang,
        "orders.time_placeholder",
        &[("example", &pickup_example(ctx.now))],
    );
    column![
        text(i18n::tf(lang, "orders.accept_title", &[("no", order_no)])).size(18),
        number(
            "orders.weight_kg",
            weight,
            "accept-weight",
            Message::Weight,
            "weight_g"
        ),
        number(
            "orders.volume_m3",
            volume,
            "accept-volume",
            Message::Volume,
            "volume_cm3"
        ),
        widget::focus::check(pickup, ctx.t("orders.pickup_needed"), Some(Message::Pickup)),
        widget::field(
            ctx.t("orders.pickup_time"),
            text_input(&placeholder, time)
                .id("accept-time")
                .on_input_maybe(pickup.then_some(Message::PickupTime))
                .on_submit(Message::Submit)
                .padding(6),
            err("pickup_time")
        ),
        buttons(ctx, ctx.t("orders.accept_ok")),
    ]
    .spacing(12)
    .width(420)
    .into()
}

/// 打回 / 收货失败 / 关闭: the live reasons by number, and a note.
fn reason_view<'a>(
    ctx: &Ctx<'a>,
    order_no: &str,
    kind: ReasonKind,
    reason: Option<&str>,
    note: &'a str,
    error: Option<&'a String>,
) -> Element<'a, Message> {
    let lang = ctx.lang;
    let t = |k: &str| ctx.t(k);
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
    let live = live_reasons(ctx, kind);
    let chosen = reason.and_then(|c| live.iter().position(|r| r.code == c));
    // The reasons are one Tab stop: ↑/↓ move the choice, digits pick.
    let mut choices = column![].spacing(6);
    let count = live.len();
    for (i, r) in live.into_iter().enumerate() {
        let label = format!("{} {}", i + 1, r.label_in(lang));
        choices = choices.push(radio(label, i, chosen, Message::ReasonIndex).size(16));
    }
    col = col.push(widget::focus::keyable(choices, None).on_step(move |d| {
        let next = chosen.map_or(0, |c| c as i64 + i64::from(d));
        usize::try_from(next)
            .ok()
            .filter(|n| *n < count)
            .map(Message::ReasonIndex)
    }));
    col = col.push(widget::field(
        t("field.note"),
        text_input(&t("orders.note_placeholder"), note)
            .id("reason-note")
            .on_input(Message::Note)
            .on_submit(Message::Submit)
            .padding(6),
        error,
    ));
    col.push(buttons(ctx, t(key))).width(420).into()
}

#[cfg(test)]
mod tests {
    use super::super::{Message, State};
    use super::Dialog;
    use crate::domain::Role;
    use crate::ui::screen::fixture::Fixture;

    fn accept(weight: &str, time: &str) -> State {
        State {
            dialog: Some(Dialog::Accept {
                order_no: "A-1".into(),
                weight: weight.into(),
                volume: "0.35".into(),
                pickup: true,
                time: time.into(),
                errors: Vec::new(),
            }),
            ..State::default()
        }
    }

    fn errors(s: &State) -> Vec<(String, String)> {
        match &s.dialog {
            Some(Dialog::Accept { errors, .. }) => errors.clone(),
            other => panic!("the accept dialog closed: {other:?}"),
        }
    }

    #[test]
    fn a_bad_accept_draft_is_refused_beside_its_fields() {
        let fixture = Fixture::new(Role::Clerk);
        let ctx = fixture.ctx();

        let mut s = accept("twelve", "tomorrow");
        let (_, event) = s.update(Message::Submit, &ctx);
        assert!(event.is_none());
        assert!(!s.submitting, "nothing was written");
        let fields: Vec<String> = errors(&s).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["weight_g", "pickup_time"]);

        // "-5" kg is told its bound; yesterday is refused as past.
        let mut s = accept("-5", "2020-01-01 09:30");
        let _ = s.update(Message::Submit, &ctx);
        assert_eq!(
            errors(&s),
            [
                ("weight_g".to_owned(), "必须大于 0".to_owned()),
                (
                    "pickup_time".to_owned(),
                    "上门接货时间不能早于现在".to_owned()
                ),
            ]
        );

        // Typed well, the same draft passes the checks.
        let mut s = accept("x", "x");
        let _ = s.update(Message::Weight("12.5".into()), &ctx);
        let _ = s.update(Message::PickupTime("2099-11-27 09:30".into()), &ctx);
        let _ = s.update(Message::Submit, &ctx);
        assert_eq!(errors(&s), Vec::new());
    }
}
