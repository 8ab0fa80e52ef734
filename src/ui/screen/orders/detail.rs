//! The detail panel of 阿里订单受理: the selected order's actions, fields,
//! snapshot and history.

use crate::ui::Element;
use iced::widget::{button, column, container, row, text, tooltip};

use crate::domain::order::ActionKind;

use super::Ctx;
use crate::domain::order::{Order, TransportMode};
use crate::i18n;
use crate::store::OutboxState;
use crate::ui::theme::Tone;
use crate::ui::widget::{self};

use super::{Message, ReasonKind, State};
use crate::ui::format::{kg, m3, short_time, yuan};

impl State {
    pub(super) fn detail_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let Some(r) = self.selected_row() else {
            return widget::muted(t("orders.pick_hint")).into();
        };
        let o = &r.order;
        let dispatcher = ctx.user.role.can_dispatch();
        // What the state machine forbids is disabled, its reason on hover.
        let act = |label: String, kind: ActionKind, m: Message| -> Element<'a, Message> {
            let why = self.why_not(ctx, kind);
            let b = button(text(label).size(13))
                .padding([4, 10])
                .on_press_maybe(why.is_none().then_some(m));
            match why {
                None => b.into(),
                Some(why) => tooltip(
                    b,
                    container(text(why).size(12))
                        .padding(6)
                        .style(crate::ui::theme::container::rounded_box),
                    tooltip::Position::Bottom,
                )
                .into(),
            }
        };
        let mut actions = row![
            act(
                t("orders.act_contacted"),
                ActionKind::Contacted,
                Message::Contacted
            ),
            act(
                t("orders.act_accept"),
                ActionKind::Accept,
                Message::OpenAccept
            ),
            act(
                t("orders.act_return"),
                ActionKind::Return,
                Message::OpenReason(ReasonKind::Return)
            ),
            act(
                t("orders.act_failed"),
                ActionKind::PickupFailed,
                Message::OpenReason(ReasonKind::PickupFailed)
            ),
            act(
                t("orders.act_waybill"),
                ActionKind::ImportWaybill,
                Message::OpenWaybill
            ),
        ]
        .spacing(6);
        if dispatcher {
            actions = actions
                .push(act(
                    t("orders.act_assign"),
                    ActionKind::Assign,
                    Message::OpenAssign,
                ))
                .push(act(
                    t("orders.act_close"),
                    ActionKind::Close,
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
        let col = order_fields(ctx, o, col);
        self.history(ctx, &o.order_no, col).into()
    }

    /// The order's history, as far as it has arrived.
    fn history<'a>(&'a self, ctx: &Ctx<'a>, order_no: &str, mut col: Panel<'a>) -> Panel<'a> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        col = col.push(
            text(t("orders.history"))
                .size(14)
                .font(crate::ui::font::BOLD),
        );
        match &self.events {
            Some((no, Ok(evs))) if no == order_no => {
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
                        line.push_str(&format!(" · {}", ctx.params.reason_label(rc, lang)));
                    }
                    if let Some(n) = &e.note {
                        line.push_str(&format!(" · {n}"));
                    }
                    col = col.push(text(line).size(12));
                }
            }
            Some((no, Err(e))) if no == order_no => col = col.push(widget::error_line(e.as_str())),
            _ if !ctx.online => col = col.push(widget::muted(t("orders.history_offline")).size(12)),
            _ => col = col.push(widget::muted(t("orders.loading")).size(12)),
        }
        col
    }
}

type Panel<'a, M = Message> = iced::widget::Column<'a, M, crate::ui::theme::AppTheme>;

/// The order's fields and its Alibaba snapshot, under `col`.
/// Why the order is at its outlet: 按诚信通账号记忆, 按发货城市, 总部分配 by
/// whom; "—" where the hub did not record it.
fn dispatch_reason(ctx: &Ctx<'_>, o: &Order) -> String {
    use crate::domain::dispatch::DispatchRule;
    let Some(why) = &o.dispatch_reason else {
        return "—".into();
    };
    let key = match why.rule {
        DispatchRule::RememberedAccount => "dispatch.remembered_account",
        DispatchRule::ShipperCity => "dispatch.shipper_city",
        DispatchRule::HqAssigned => "dispatch.hq_assigned",
        DispatchRule::Upstream => "dispatch.upstream",
    };
    i18n::tf(
        ctx.lang,
        key,
        &[
            ("account", &o.ali_account),
            ("city", &o.shipper.city),
            ("by", why.by.as_deref().unwrap_or("—")),
        ],
    )
}

/// One line of the detail: the label, and the value breaking inside its
/// column. The label column is narrow enough (80 px) that at 1024 px with
/// 大字体 an English word of the value ("Remembered") still fits whole.
fn kv<'a, M: 'a>(
    ctx: &Ctx<'a>,
    key: &str,
    value: String,
) -> iced::widget::Row<'a, M, crate::ui::theme::AppTheme> {
    row![
        text(ctx.t(key)).size(13).width(80),
        text(value).size(13).wrapping(text::Wrapping::WordOrGlyph)
    ]
    .spacing(8)
}

/// Any screen's message type: the report's drill-down shows them too.
pub(crate) fn order_fields<'a, M: 'a>(
    ctx: &Ctx<'a>,
    o: &'a Order,
    mut col: Panel<'a, M>,
) -> Panel<'a, M> {
    let lang = ctx.lang;
    let t = |k: &str| ctx.t(k);
    let kv = |k: &str, v: String| kv(ctx, k, v);
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
        .push(kv("orders.f_dispatch", dispatch_reason(ctx, o)))
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
        ));
    money_and_places(ctx, o, col)
}

/// What the order is worth and pays, where it stands, why it last moved,
/// and the Alibaba snapshot.
fn money_and_places<'a, M: 'a>(ctx: &Ctx<'a>, o: &'a Order, mut col: Panel<'a, M>) -> Panel<'a, M> {
    let lang = ctx.lang;
    let t = |k: &str| ctx.t(k);
    let outlet = |c: &Option<String>| {
        c.as_deref()
            .map(|c| ctx.outlet_label(c))
            .unwrap_or_else(|| t("orders.pool"))
    };
    let kv = |k: &str, v: String| kv(ctx, k, v);
    col = col
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
        .push(kv(
            "orders.f_prints",
            i18n::tf(
                lang,
                "orders.print_count",
                &[("n", &o.print_count.to_string())],
            ),
        ))
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
                        ctx.params.reason_label(c, lang),
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
    if let Some(w) = &o.waybill {
        col = col.push(waybill_fields(ctx, w));
    }
    col = col
        .push(kv("orders.f_goods", o.snapshot.goods_title.clone()))
        .push(kv("orders.f_price", yuan(o.snapshot.price)))
        .push(text(o.snapshot.description.as_str()).size(12));
    col
}

/// The billed order's waybill: number, billing outlet, product and every
/// charge and Ali discount it was priced at.
fn waybill_fields<'a, M: 'a>(ctx: &Ctx<'a>, w: &crate::domain::pricing::Waybill) -> Element<'a, M> {
    let lang = ctx.lang;
    let kv = |k: &str, v: String| kv(ctx, k, v);
    column![
        text(ctx.t("orders.f_waybill"))
            .size(14)
            .font(crate::ui::font::BOLD),
        kv("wb.waybill_no", w.draft.waybill_no.clone()),
        kv("orders.f_billing", ctx.outlet_label(&w.billing_outlet_code)),
        kv(
            "wb.product",
            i18n::t(lang, &format!("product.{}", w.draft.product_code)),
        ),
        crate::ui::screen::waybill::quote_lines(lang, &w.quote),
    ]
    .spacing(4)
    .into()
}
