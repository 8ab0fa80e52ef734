//! The orders behind one number of the report: a page of them at a time
//! (the route's offset), outlets by name beside their codes, an order
//! opened in the orders screen's detail, and the whole list exported.

use iced::Task;
use iced::widget::{button, column, container, row, scrollable, text};
use iced::{Alignment, Length};

use super::{Message, State};
use crate::api::report::{ReportColumn, ReportOrder, ReportOrders};
use crate::domain::report::Period;
use crate::i18n;
use crate::sync::report_client::RowPart;
use crate::sync::{ClientError, HubClient, OrderAnswer};
use crate::ui::Element;
use crate::ui::screen::Ctx;
use crate::ui::screen::form::lost;
use crate::ui::theme;
use crate::ui::widget;

/// Orders on one page of the list.
pub const PAGE: i64 = 200;
/// Orders fetched per request when exporting the whole list (the route's most).
const EXPORT_PAGE: i64 = 1000;

/// The order opened from the list.
#[derive(Debug, Clone)]
pub enum Opened {
    Loading(String),
    Shown(Box<OrderAnswer>),
    Failed(String, String),
}

/// The orders behind a number.
#[derive(Debug, Clone)]
pub struct Behind {
    pub title: String,
    pub part: RowPart,
    pub column: ReportColumn,
    pub period: Period,
    /// The first order shown.
    pub offset: i64,
    /// The page shown (none while it loads).
    pub page: Option<ReportOrders>,
    pub opened: Option<Opened>,
}

impl Behind {
    /// A name for the exported file.
    pub fn file_stem(&self) -> String {
        let who = match &self.part {
            RowPart::Subtree(c) | RowPart::Own(c) => c.as_str(),
            RowPart::Pool => "pool",
        };
        format!(
            "{who}-{}-{}-{}",
            self.column.as_str(),
            self.period.from,
            self.period.to
        )
    }
}

/// Every order of the list, page after page.
pub async fn fetch_all(
    client: HubClient,
    period: Period,
    part: RowPart,
    column: ReportColumn,
) -> Result<Vec<ReportOrder>, ClientError> {
    let mut all = Vec::new();
    loop {
        let page = client
            .report_orders(period, &part, column, EXPORT_PAGE, all.len() as i64)
            .await?;
        let got = page.orders.len();
        all.extend(page.orders);
        if got < EXPORT_PAGE as usize || all.len() as i64 >= page.total {
            return Ok(all);
        }
    }
}

fn fetch_page(client: HubClient, b: &Behind) -> Task<Message> {
    let (period, part, column, offset) = (b.period, b.part.clone(), b.column, b.offset);
    Task::perform(
        async move {
            client
                .report_orders(period, &part, column, PAGE, offset)
                .await
        },
        move |r| Message::BehindLoaded(offset, Box::new(r)),
    )
}

impl State {
    /// Opens the orders behind a number, at the first page.
    pub(super) fn open_behind(
        &mut self,
        part: RowPart,
        column: ReportColumn,
        title: String,
        ctx: &Ctx<'_>,
    ) -> Task<Message> {
        let Some(period) = self.report.as_ref().map(|r| Period {
            from: r.from,
            to: r.to,
        }) else {
            return Task::none();
        };
        let b = Behind {
            title,
            part,
            column,
            period,
            offset: 0,
            page: None,
            opened: None,
        };
        let task = fetch_page(ctx.client.clone(), &b);
        self.behind = Some(b);
        task
    }

    /// Another page of the list.
    pub(super) fn behind_page(&mut self, offset: i64, ctx: &Ctx<'_>) -> Task<Message> {
        let Some(b) = &mut self.behind else {
            return Task::none();
        };
        b.offset = offset.max(0);
        b.page = None;
        fetch_page(ctx.client.clone(), b)
    }

    pub(super) fn behind_loaded(
        &mut self,
        offset: i64,
        r: Result<ReportOrders, ClientError>,
        ctx: &Ctx<'_>,
    ) -> Option<super::Event> {
        let b = self.behind.as_mut().filter(|b| b.offset == offset)?;
        match r {
            Ok(list) => {
                b.page = Some(list);
                None
            }
            Err(e) => {
                self.behind = None;
                self.error = Some(e.user_message(ctx.lang));
                lost(&e).map(super::Event::Lost)
            }
        }
    }

    /// Opens one order of the list in the orders screen's detail.
    pub(super) fn open_order(&mut self, no: String, ctx: &Ctx<'_>) -> Task<Message> {
        let Some(b) = &mut self.behind else {
            return Task::none();
        };
        b.opened = Some(Opened::Loading(no.clone()));
        let client = ctx.client.clone();
        Task::perform(
            async move {
                let r = client.order(&no).await;
                (no, r)
            },
            |(no, r)| Message::OrderLoaded(no, Box::new(r)),
        )
    }

    pub(super) fn order_loaded(
        &mut self,
        no: String,
        r: Result<OrderAnswer, ClientError>,
        ctx: &Ctx<'_>,
    ) -> Option<super::Event> {
        let b = self.behind.as_mut()?;
        // Only the order still asked for.
        if !matches!(&b.opened, Some(Opened::Loading(n)) if *n == no) {
            return None;
        }
        match r {
            Ok(a) => {
                b.opened = Some(Opened::Shown(Box::new(a)));
                None
            }
            Err(e) => {
                b.opened = Some(Opened::Failed(no, e.user_message(ctx.lang)));
                lost(&e).map(super::Event::Lost)
            }
        }
    }

    /// The list in place of the report (the export buttons above now write
    /// it): pages and the opened order.
    pub(super) fn behind_view<'a>(&'a self, ctx: &Ctx<'a>, b: &'a Behind) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let total = b.page.as_ref().map_or(0, |p| p.total);
        let shown = b.page.as_ref().map_or(0, |p| p.orders.len() as i64);
        let range = if shown == 0 {
            String::new()
        } else {
            i18n::tf(
                ctx.lang,
                "report.behind_range",
                &[
                    ("from", &(b.offset + 1).to_string()),
                    ("to", &(b.offset + shown).to_string()),
                ],
            )
        };
        let prev = (b.page.is_some() && b.offset > 0)
            .then(|| Message::BehindPage((b.offset - PAGE).max(0)));
        let next = (b.page.is_some() && b.offset + shown < total)
            .then(|| Message::BehindPage(b.offset + PAGE));
        let head = row![
            widget::secondary(t("report.back"), Some(Message::CloseBehind)),
            text(b.title.clone()).size(16),
            widget::muted(i18n::tf(
                ctx.lang,
                "report.behind_count",
                &[("n", &total.to_string())]
            )),
            widget::muted(range),
            widget::secondary(t("report.prev_page"), prev),
            widget::secondary(t("report.next_page"), next),
        ]
        .spacing(8)
        .align_y(Alignment::Center)
        .wrap();
        let list = self.behind_list(ctx, b);
        let body: Element<'a, Message> = match &b.opened {
            None => list,
            Some(o) => row![
                container(list).width(Length::FillPortion(3)),
                container(scrollable(opened_view(ctx, o)).height(Length::Fill))
                    .padding(8)
                    .width(Length::FillPortion(2))
                    .style(theme::container::bordered_box),
            ]
            .spacing(8)
            .into(),
        };
        column![head, body].spacing(8).into()
    }

    fn behind_list<'a>(&'a self, ctx: &Ctx<'a>, b: &'a Behind) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        // Widths: outlets carry their names, so they get the room.
        let heads = [
            ("report.order.no", 3),
            ("report.order.status", 2),
            ("report.order.accepting", 4),
            ("report.order.billing", 4),
            ("report.order.waybill", 3),
            ("report.order.reason", 3),
        ];
        let header = heads.iter().fold(row![].spacing(6), |r, (k, w)| {
            r.push(text(t(k)).size(12).width(Length::FillPortion(*w)))
        });
        let mut list = column![header].spacing(2);
        match &b.page {
            None => list = list.push(widget::muted(t("report.loading"))),
            Some(p) => {
                let place = |c: &Option<String>| {
                    c.as_deref()
                        .map(|c| ctx.outlet_label(c))
                        .unwrap_or_default()
                };
                for o in &p.orders {
                    let cells = [
                        (t(&format!("status.{}", o.status.as_str())), 2),
                        (place(&o.accepting_outlet_code), 4),
                        (place(&o.billing_outlet_code), 4),
                        (o.waybill_no.clone().unwrap_or_default(), 3),
                        (
                            o.reason_code
                                .as_deref()
                                .map(|c| ctx.params.reason_label(c, ctx.lang))
                                .unwrap_or_default(),
                            3,
                        ),
                    ];
                    let no = button(text(o.order_no.clone()).size(12))
                        .padding(0)
                        .style(theme::button::text)
                        .width(Length::FillPortion(3))
                        .on_press(Message::OpenOrder(o.order_no.clone()));
                    list = list.push(cells.into_iter().fold(row![no].spacing(6), |r, (c, w)| {
                        r.push(text(c).size(12).width(Length::FillPortion(w)))
                    }));
                }
            }
        }
        container(scrollable(list).height(Length::Fill))
            .padding(4)
            .style(theme::container::bordered_box)
            .into()
    }
}

/// The opened order: the orders screen's fields, or where it stands when
/// it lies outside the user's view.
fn opened_view<'a>(ctx: &Ctx<'a>, o: &'a Opened) -> Element<'a, Message> {
    let t = |k: &str| ctx.t(k);
    let close = widget::secondary(t("report.close"), Some(Message::CloseOrder));
    match o {
        Opened::Loading(no) => column![
            text(no.clone()).size(16),
            widget::muted(t("report.loading")),
            close
        ]
        .spacing(8)
        .into(),
        Opened::Failed(no, why) => column![
            text(no.clone()).size(16),
            widget::error_line(why.as_str()),
            close
        ]
        .spacing(8)
        .into(),
        Opened::Shown(answer) => {
            let head = row![
                text(format!(
                    "{} {}",
                    t("orders.order"),
                    answer.summary().order_no
                ))
                .size(16)
                .font(crate::ui::font::BOLD)
                .width(Length::Fill),
                close,
            ]
            .align_y(Alignment::Center);
            match answer.as_ref() {
                OrderAnswer::Full(order) => {
                    crate::ui::screen::orders::order_fields(ctx, order, column![head].spacing(6))
                        .into()
                }
                OrderAnswer::Summary(s) => {
                    let label = |c: &Option<String>| {
                        c.as_deref()
                            .map(|c| ctx.outlet_label(c))
                            .unwrap_or_else(|| t("orders.pool"))
                    };
                    let line = |k: &str, v: String| {
                        text(i18n::tf(
                            ctx.lang,
                            "fmt.labelled",
                            &[("label", &t(k)), ("value", &v)],
                        ))
                        .size(13)
                    };
                    column![
                        head,
                        line(
                            "orders.f_status",
                            t(&format!("status.{}", s.status.as_str()))
                        ),
                        line("orders.f_current", label(&s.current_outlet_code)),
                        line("orders.f_accepting", label(&s.accepting_outlet_code)),
                        widget::muted(t("orders.query_limited")).size(12),
                    ]
                    .spacing(6)
                    .into()
                }
            }
        }
    }
}
