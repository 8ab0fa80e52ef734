//! The list half of 阿里订单受理: the selector bar, the paged rows with
//! their red overdue colouring and call countdown, and the pager.

use crate::ui::Element;
use crate::ui::theme::AppTheme as Theme;
use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Length};

use super::Ctx;
use crate::domain::Status;
use crate::domain::sla::{self, Call};
use crate::i18n;
use crate::store::{OrderRow, OutboxState, SortOrder};
use crate::ui::theme;
use crate::ui::theme::Tone;
use crate::ui::widget::{self, Choice};

use super::{Message, PAGE, State, columns};

/// iced's default scrollbar width, and the room kept beside it.
const SCROLLBAR_WIDTH: f32 = 10.0;
const SCROLL_GUTTER: f32 = 4.0;
/// A row's padding left and right, the header's alike.
const ROW_PADDING: f32 = 6.0;
/// A row's width beyond its columns: padding both sides and the
/// scrollbar with its gutter.
const ROW_CHROME: f32 = ROW_PADDING * 2.0 + SCROLLBAR_WIDTH + SCROLL_GUTTER;
/// The list's border padding.
const LIST_PADDING: f32 = 4.0;
/// Between the list and the detail panel.
const PANEL_SPACING: f32 = 8.0;
/// The detail panel's narrowest: a logistics number beside its label.
const DETAIL_MIN: f32 = 180.0;

/// The list's width out of `room` (list and detail together): 7/10,
/// or what the columns' floors need, leaving the detail at least
/// [`DETAIL_MIN`].
fn list_width(room: f32, floors: &[f32; 9]) -> f32 {
    let needed = floors.iter().sum::<f32>() + columns::GAP * 8.0 + ROW_CHROME + LIST_PADDING * 2.0;
    (room * 0.7).max(needed.min(room - DETAIL_MIN)).max(0.0)
}

/// The column headings. A heading names a row's two lines on two lines
/// of its own, and breaks inside its column ("Weight /" never runs into
/// "Pickup" in English at 1024 px with 大字体). Chinese breaks between any
/// two characters, so "联系倒计时" came out as "联系倒计/时": the parts go
/// on their own lines instead.
fn headings(ctx: &Ctx<'_>) -> [String; 9] {
    HEADINGS.map(|k| ctx.t(k).replace(" / ", "\n"))
}
/// A row's second lines.
const SUB_SIZE: f32 = 11.0;
/// The columns' headings: 订单号, 发货人, 货物, 重量, 上门, 下单, 联系时限,
/// 状态, 打印次数.
const HEADINGS: [&str; 9] = [
    "orders.col_no",
    "orders.col_shipper",
    "orders.col_cargo",
    "orders.col_weight",
    "orders.col_pickup",
    "orders.col_placed",
    "orders.col_call",
    "orders.col_status",
    "orders.col_prints",
];
use crate::ui::format::{kg, m3, short_time, yuan};

impl State {
    /// 网点选项, the status filter, the order, 立即同步 and 查询.
    fn toolbar<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
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
        row![
            text(t("orders.selector")),
            self.selector_picker
                .field(
                    "order-selector",
                    self.selector.as_ref().map(|c| c.label.clone()),
                    t("orders.selector_empty"),
                    Message::SelectorPick
                )
                .width(240),
            widget::secondary(
                t("action.clear"),
                self.selector.is_some().then_some(Message::ClearSelector)
            ),
            text(t("orders.status")),
            widget::focus::choose(
                statuses,
                Some(status_choice(lang, self.status)),
                Message::StatusFilter
            ),
            widget::secondary(sort_label, Some(Message::ToggleSort)),
            widget::tool(t("orders.sync_now"), Some(Message::SyncNow)),
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
            widget::secondary(
                t("export.button"),
                Some(Message::Export(crate::ui::export::ExportMsg::Open))
            ),
            widget::tool(t("print.open"), Some(Message::OpenPrint)),
            widget::secondary(t("print.mark_page"), Some(Message::MarkPage)),
            widget::muted(i18n::tf(
                lang,
                "print.selected",
                &[("n", &self.marked_count().to_string())]
            ))
            .size(13),
            widget::secondary(
                t("print.clear_marks"),
                (self.marked_count() > 0).then_some(Message::ClearMarks)
            ),
        ]
        .spacing(8)
        .align_y(Alignment::Center)
        // On narrow windows and with 大字体 the tools flow onto a second
        // line instead of being cut off at the right edge.
        .wrap()
        .vertical_spacing(6)
        .into()
    }

    /// Draws the screen.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        if let Some(p) = &self.preview {
            return p.view().map(Message::Preview);
        }
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let mut body = column![self.toolbar(ctx)].spacing(8);
        if let Some(hits) = self.selector_picker.hits_row(lang, Message::SelectorPick) {
            body =
                body.push(row![widget::muted(t("orders.selector_hits")).size(12), hits].spacing(6));
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
        // A fixed slot: the counts coming and going never move the list.
        body = body.push(
            container(
                self.counts_line(lang)
                    .map(|line| widget::banner(text(line).size(13), Tone::Warning)),
            )
            // Room for two lines: English at 1024 px with 大字体 wraps.
            .height(52)
            .clip(true),
        );
        // The list and the order's detail share the row 7:3, except that
        // the list never gets less than its columns' floors need: at 1024
        // px in English the order and phone numbers, "OVERDUE", "pending"
        // and "Prints" need about 560 px, 7:3 left 530, and 打印次数 came
        // out a letter a line. The detail gives way down to its own floor.
        let ctx2 = ctx.clone();
        let split = iced::widget::responsive(move |size| {
            let t = self.texts(&ctx2);
            let floors = self.floors(&ctx2, &t);
            let list_w = list_width(size.width - PANEL_SPACING, &floors);
            let list = container(self.list_at(&ctx2, t, floors, list_w - LIST_PADDING * 2.0))
                .width(list_w)
                .height(Length::Fill)
                .padding(LIST_PADDING)
                .style(crate::ui::theme::container::bordered_box);
            let detail = container(
                scrollable(self.detail_view(&ctx2))
                    .spacing(4)
                    .height(Length::Fill),
            )
            .width(Length::Fill)
            .height(Length::Fill)
            .padding(8)
            .style(crate::ui::theme::container::bordered_box);
            row![list, detail]
                .spacing(PANEL_SPACING)
                .height(Length::Fill)
                .into()
        });
        body = body.push(container(split).height(Length::Fill));
        let notices = self
            .notice
            .iter()
            .map(|n| widget::notice(lang, n, Message::DismissNotice))
            .collect();
        let base = widget::over_foot(body.padding(10), notices);
        let over = match &self.dialog {
            Some(d) => Some(self.dialog_view(ctx, d)),
            None => self.export.view(ctx).map(|e| e.map(Message::Export)),
        };
        widget::modal_opt(base, over)
    }

    /// The banner's line of counts. Each count names the place it covers:
    /// the list's own, and the whole view's only when it counts more
    /// (HQ on 总公司 lists the pool, while orders at outlets also wait).
    pub(super) fn counts_line(&self, lang: i18n::Lang) -> Option<String> {
        counts_line(
            lang,
            self.list_pending,
            self.uncontacted,
            self.list_is_whole,
            self.selector.as_ref().map(|c| c.label.as_str()),
        )
    }

    /// The page's rows as drawn.
    fn texts(&self, ctx: &Ctx<'_>) -> Vec<RowText> {
        self.rows.iter().map(|r| RowText::new(ctx, r)).collect()
    }

    /// Each column's floor on this page, headings included.
    fn floors(&self, ctx: &Ctx<'_>, texts: &[RowText]) -> [f32; 9] {
        self.rows
            .iter()
            .zip(texts)
            .map(|(r, t)| t.floors(&r.order))
            .fold(
                headings(ctx)
                    .each_ref()
                    .map(|h| columns::longest_word(h, columns::NUMBER_SIZE)),
                |a, b| std::array::from_fn(|i| a[i].max(b[i])),
            )
    }

    /// The list `width` px wide (inside its border's padding).
    fn list_at<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        texts: Vec<RowText>,
        floors: [f32; 9],
        width: f32,
    ) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let heads = headings(ctx);
        // Less the rows' padding and the scrollbar's gutter, header alike.
        let w = columns::widths(width - ROW_CHROME, floors);
        let header = iced::widget::Row::from_iter(heads.into_iter().zip(w).map(|(h, w)| {
            text(h)
                .size(columns::NUMBER_SIZE)
                .wrapping(text::Wrapping::WordOrGlyph)
                .width(w)
                .into()
        }))
        .spacing(columns::GAP)
        .padding(iced::Padding {
            top: 2.0,
            bottom: 2.0,
            left: ROW_PADDING,
            right: ROW_PADDING + SCROLLBAR_WIDTH + SCROLL_GUTTER,
        });
        let mut list = column![].spacing(2);
        for (r, t) in self.rows.iter().zip(texts) {
            list = list.push(self.row_view(r, t, &w));
        }
        if self.rows.is_empty() {
            let key = if self.first_sync {
                "orders.first_sync"
            } else {
                "orders.empty"
            };
            list = list.push(widget::muted(t(key)).size(13));
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
                        &if !self.count_exact && self.total > crate::store::COUNT_CAP {
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
        // The scrollbar gets its own gutter: it never covers the status
        // column ("待受理 · 退款中"); the header leaves the same room.
        column![
            header,
            scrollable(list).spacing(SCROLL_GUTTER).height(Length::Fill),
            pager
        ]
        .spacing(4)
        .into()
    }

    pub(super) fn row_view<'a>(
        &'a self,
        r: &'a OrderRow,
        t: RowText,
        w: &[f32; 9],
    ) -> Element<'a, Message> {
        let o = &r.order;
        let selected = self.selected.as_deref() == Some(o.order_no.as_str());
        let overdue = t.overdue;
        // Each column is as wide as its longest number or word (`columns`);
        // past that, text breaks inside its column rather than run over the
        // next one.
        let small = |s: String| {
            text(s)
                .size(columns::NUMBER_SIZE)
                .wrapping(text::Wrapping::WordOrGlyph)
        };
        // Second lines in the row's own muted colour: on a selected or red
        // row the page's muted grey would not read.
        let sub = move |s: String| {
            text(s)
                .size(SUB_SIZE)
                .wrapping(text::Wrapping::WordOrGlyph)
                .style(move |t: &Theme| text::Style {
                    color: Some(theme::row_colors(t, selected, overdue).muted),
                })
        };
        let content = row![
            self.number_cell(o).width(w[0]),
            column![small(t.shipper), sub(t.place)].width(w[1]),
            column![small(t.cargo), sub(t.value)].width(w[2]),
            column![small(t.weight), sub(t.volume)].width(w[3]),
            small(t.pickup).width(w[4]),
            column![
                small(t.placed),
                // Not colour alone: overdue rows say so in words too. The
                // two wrap, so "⚠ OVERDUE" moves to its own line inside
                // its column instead of running over the next one.
                row![
                    text(t.overdue_mark).size(SUB_SIZE),
                    text(t.waiting).size(SUB_SIZE)
                ]
                .spacing(4)
                .wrap()
            ]
            .width(w[5]),
            call_cell(t.call, selected, overdue).width(w[6]),
            status_cell(t.status, t.outbox, selected, overdue).width(w[7]),
            small(t.prints).width(w[8]),
        ]
        .spacing(columns::GAP)
        .align_y(Alignment::Center);
        button(content)
            .width(Length::Fill)
            .padding([3.0, ROW_PADDING])
            .on_press(Message::Select(o.order_no.clone()))
            .style(move |t: &Theme, status| theme::order_row(t, status, selected, overdue))
            .into()
    }
}

/// What a row says, cell by cell: drawn by [`State::row_view`], and
/// measured first for the columns' floors (`columns`).
pub(super) struct RowText {
    overdue: bool,
    shipper: String,
    place: String,
    cargo: String,
    value: String,
    weight: String,
    volume: String,
    pickup: String,
    placed: String,
    overdue_mark: String,
    waiting: String,
    call: (String, Option<Tone>),
    status: String,
    outbox: (String, Option<Tone>),
    prints: String,
}

impl RowText {
    pub(super) fn new(ctx: &Ctx<'_>, r: &OrderRow) -> RowText {
        let lang = ctx.lang;
        let o = &r.order;
        let timing = sla::timing(o, ctx.now, ctx.params.call_window, ctx.params.overdue_after);
        let mut status = i18n::t(lang, &format!("status.{}", o.status.as_str()));
        if o.trade_status.as_deref() == Some("refunding") {
            status.push_str(&format!(" · {}", i18n::t(lang, "orders.refunding")));
        }
        RowText {
            overdue: timing.overdue,
            shipper: format!("{} {}", o.shipper.name, o.shipper.phone),
            place: format!("{} {}", o.shipper.city, o.shipper.district),
            cargo: format!("{} ×{}", o.cargo.name, o.cargo.pieces),
            value: yuan(o.declared_value),
            weight: format!("{} kg", kg(o.cargo.weight_g)),
            volume: format!("{} m³", m3(o.cargo.volume_cm3)),
            // The short words: "自送网点" broke as "自送网/点" in this
            // narrow column at 1024 px with 大字体 (the detail says it
            // in full).
            pickup: i18n::t(
                lang,
                if o.pickup_required {
                    "orders.pickup_yes_short"
                } else {
                    "orders.pickup_no_short"
                },
            ),
            placed: short_time(o.created_at),
            overdue_mark: if timing.overdue {
                i18n::t(lang, "orders.overdue_mark")
            } else {
                String::new()
            },
            waiting: i18n::tf(
                lang,
                "orders.waiting",
                &[("t", &sla::clock(timing.waiting))],
            ),
            call: call_label(lang, o, timing.call),
            status,
            outbox: outbox_label(lang, r),
            prints: i18n::tf(
                lang,
                "orders.print_count",
                &[("n", &o.print_count.to_string())],
            ),
        }
    }

    /// Each column's floor: its longest word or number, at its size.
    fn floors(&self, o: &crate::domain::Order) -> [f32; 9] {
        use columns::{LOGISTICS_SIZE, NUMBER_SIZE, TICK, longest_word as w};
        let sub = SUB_SIZE;
        [
            w(&o.order_no, NUMBER_SIZE).max(TICK + w(&o.logistics_no, LOGISTICS_SIZE)),
            w(&self.shipper, NUMBER_SIZE).max(w(&self.place, sub)),
            w(&self.cargo, NUMBER_SIZE).max(w(&self.value, sub)),
            w(&self.weight, NUMBER_SIZE).max(w(&self.volume, sub)),
            w(&self.pickup, NUMBER_SIZE),
            w(&self.placed, NUMBER_SIZE)
                .max(w(&self.overdue_mark, sub))
                .max(w(&self.waiting, sub)),
            w(&self.call.0, NUMBER_SIZE),
            w(&self.status, NUMBER_SIZE).max(w(&self.outbox.0, sub)) + STATUS_RIGHT_PAD,
            w(&self.prints, NUMBER_SIZE),
        ]
    }
}

/// 联系倒计时: the call countdown in its tone; on a red row in the row's
/// own text colour, which reads best there (the words carry the meaning).
fn call_cell<'a>(
    (label, tone): (String, Option<Tone>),
    selected: bool,
    overdue: bool,
) -> iced::widget::Text<'a, Theme> {
    text(label).size(12).style(move |t: &Theme| text::Style {
        color: tone
            .filter(|_| !overdue)
            .map(|tone| theme::tone_on(t, tone, theme::row_colors(t, selected, overdue).bg)),
    })
}

/// 状态 / 同步: the order's state (and a refund under way), and where its
/// unsent action stands, in a tone that reads on the row.
fn status_cell<'a>(
    status_line: String,
    (outbox, tone): (String, Option<Tone>),
    selected: bool,
    overdue: bool,
) -> iced::widget::Column<'a, Message, Theme> {
    // The right padding keeps "待受理 · 退款中" off 打印次数 where it
    // just fits (1366 px): it wraps instead of touching.
    column![
        text(status_line)
            .size(12)
            .wrapping(text::Wrapping::WordOrGlyph),
        text(outbox)
            .size(11)
            .wrapping(text::Wrapping::WordOrGlyph)
            .style(move |t: &Theme| text::Style {
                color: tone.filter(|_| !overdue).map(|tone| theme::tone_on(
                    t,
                    tone,
                    theme::row_colors(t, selected, overdue).bg
                )),
            })
    ]
    .padding(iced::Padding::ZERO.right(STATUS_RIGHT_PAD))
}

/// Room kept right of the status cell; its column's floor counts it, or
/// "pending" came out as "pendin / g" at 1024 px.
const STATUS_RIGHT_PAD: f32 = 6.0;

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

fn status_choice(lang: i18n::Lang, s: Option<Status>) -> Choice<Option<Status>> {
    Choice {
        value: s,
        label: match s {
            Some(s) => i18n::t(lang, &format!("status.{}", s.as_str())),
            None => i18n::t(lang, "orders.all_statuses"),
        },
    }
}

/// The 呼叫 column: the countdown to the first call, amber when urgent, red
/// when late; 已联系 once called.
fn call_label(lang: i18n::Lang, o: &crate::domain::Order, call: Call) -> (String, Option<Tone>) {
    match call {
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
    }
}

/// See [`State::counts_line`]: `pending` at the list's place, `uncontacted`
/// in the whole view, `whole` when the list's place is the whole view.
pub(super) fn counts_line(
    lang: i18n::Lang,
    pending: i64,
    uncontacted: i64,
    whole: bool,
    place: Option<&str>,
) -> Option<String> {
    let n = |v: i64| v.to_string();
    if whole {
        return (uncontacted > 0)
            .then(|| i18n::tf(lang, "orders.new_alert", &[("n", &n(uncontacted))]));
    }
    if pending == 0 && uncontacted == 0 {
        return None;
    }
    let mut line = i18n::tf(
        lang,
        "orders.list_pending",
        &[("n", &n(pending)), ("outlet", place.unwrap_or(""))],
    );
    if uncontacted > 0 {
        line.push(' ');
        line.push_str(&i18n::tf(
            lang,
            "orders.view_uncontacted",
            &[("n", &n(uncontacted))],
        ));
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::{DETAIL_MIN, counts_line, list_width};
    use crate::i18n::Lang;

    #[test]
    fn the_list_takes_what_its_columns_need_and_the_detail_gives_way() {
        // 1024 px with the side bar: about 796 px for list and detail.
        let roomy = [40.0; 9];
        assert_eq!(list_width(796.0, &roomy), 796.0 * 0.7, "7:3 when it fits");
        // English on a page of overdue orders: the floors need more.
        let tight = [100.0, 76.0, 58.0, 50.0, 50.0, 60.0, 50.0, 48.0, 36.0];
        let w = list_width(796.0, &tight);
        assert!(w > 796.0 * 0.7, "{w}");
        assert!(w <= 796.0 - DETAIL_MIN, "{w}");
        // Never so much that the detail goes below its floor.
        assert_eq!(list_width(796.0, &[200.0; 9]), 796.0 - DETAIL_MIN);
    }

    #[test]
    fn counts_name_the_place_they_cover() {
        // The whole view: the alert as before.
        assert_eq!(
            counts_line(Lang::ZhCn, 5, 5, true, None).as_deref(),
            Some("有 5 张新订单还未联系客户，请在 15 分钟内电话确认。")
        );
        // HQ on 总公司: 3 in the pool, 148 uncalled in the whole view. The
        // list's count leads; the larger one says it covers more.
        let line = counts_line(Lang::ZhCn, 3, 148, false, Some("总公司 (HQ)")).unwrap();
        assert!(line.starts_with("总公司 (HQ) 待受理 3 张。"), "{line}");
        assert!(
            line.contains("全部网点共有 148 张新订单还未联系客户"),
            "{line}"
        );
        let en = counts_line(Lang::En, 3, 148, false, Some("HQ")).unwrap();
        assert!(en.starts_with("3 pending at HQ."), "{en}");
        assert!(en.contains("148"), "{en}");
        assert_eq!(counts_line(Lang::ZhCn, 0, 0, false, Some("x")), None);
    }
}
