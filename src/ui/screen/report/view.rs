//! Drawing 阿里巴巴成交比: period row, outlet path, summary strip, the
//! children's table, the ratio bars and the daily trend, the orders
//! behind a number. Bars are drawn with containers in the theme's colours.

use iced::widget::{
    button, column, container, mouse_area, row, scrollable, space, text, text_input,
};
use iced::{Alignment, Color, Length};

use super::{Message, SortBy, State, below_target, count};
use crate::api::report::{ConversionReport, ReportColumn, ReportRow};
use crate::domain::report::Preset;
use crate::export::FileKind;
use crate::i18n;
use crate::sync::report_client::RowPart;
use crate::ui::Element;
use crate::ui::format::yuan;
use crate::ui::screen::Ctx;
use crate::ui::theme::{self, AppTheme as Theme, Tone};
use crate::ui::widget;

/// The table's count columns: heading key and column.
const COUNTS: [(&str, ReportColumn); 8] = [
    ("report.col.valid", ReportColumn::Valid),
    ("report.col.billed", ReportColumn::Billed),
    ("report.col.for_others", ReportColumn::BilledForOthers),
    ("report.col.by_others", ReportColumn::BilledByOthers),
    ("report.col.returned", ReportColumn::Returned),
    ("report.col.pickup_failed", ReportColumn::PickupFailed),
    ("report.col.cancelled", ReportColumn::Cancelled),
    ("report.col.open", ReportColumn::Open),
];

/// The ratio as a percentage, "—" when nothing is valid.
pub fn percent(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

impl State {
    /// Draws the screen.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let mut col = column![text(t("report.title")).size(18), self.period_row(ctx)]
            .spacing(8)
            .padding(10);
        col = col.push(self.file_row(ctx));
        if let Some(e) = &self.error {
            // One line per part, so "what failed" reads apart from "why".
            let lines = e.lines().fold(column![], |c, l| c.push(text(l.to_owned())));
            col = col.push(widget::banner(lines, Tone::Danger));
        }
        if let Some(n) = &self.notice {
            col = col.push(widget::banner(text(n.as_str()), Tone::Success));
        }
        if let (true, Some(at)) = (self.stale, self.fetched) {
            let minutes = (chrono::Utc::now() - at).num_minutes().max(0);
            col = col.push(widget::banner(
                text(i18n::tf(
                    ctx.lang,
                    "report.stale",
                    &[
                        (
                            "time",
                            &(at + chrono::Duration::hours(8))
                                .format("%H:%M")
                                .to_string(),
                        ),
                        ("minutes", &minutes.to_string()),
                    ],
                )),
                Tone::Warning,
            ));
        }
        let Some(r) = &self.report else {
            let wait = if self.loading {
                "report.loading"
            } else {
                "report.empty"
            };
            return col.push(widget::muted(t(wait))).into();
        };
        col = col
            .push(self.path_row(ctx, r))
            .push(summary(ctx, r))
            .push(self.table(ctx, r));
        let charts = row![bars(ctx, r), trend(ctx, r)].spacing(16);
        col = col.push(charts);
        let page: Element<'a, Message> = scrollable(col).spacing(4).height(Length::Fill).into();
        match &self.behind {
            None => page,
            Some(b) => widget::modal(page, behind_view(ctx, b)),
        }
    }

    fn period_row<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let presets = Preset::ALL.iter().fold(row![].spacing(4), |r, p| {
            let chosen = self.preset == Some(*p);
            r.push(
                button(text(t(p.key())).size(13))
                    .padding([4, 10])
                    .style(if chosen {
                        theme::button::primary
                    } else {
                        theme::button::text
                    })
                    .on_press(Message::Preset(*p)),
            )
        });
        row![
            presets,
            text(t("report.from")),
            text_input("YYYY-MM-DD", &self.from)
                .on_input(Message::From)
                .on_submit(Message::Query)
                .padding(5)
                .width(120),
            text(t("report.to")),
            text_input("YYYY-MM-DD", &self.to)
                .on_input(Message::To)
                .on_submit(Message::Query)
                .padding(5)
                .width(120),
            widget::tool(t("report.query"), Some(Message::Query)),
        ]
        .spacing(8)
        .align_y(Alignment::Center)
        .wrap()
        .into()
    }

    /// The typed save path and the export buttons.
    fn file_row<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let ready = self.report.is_some();
        row![
            text_input(&t("report.path"), &self.path)
                .on_input(Message::Path)
                .padding(5)
                .width(Length::Fill),
            widget::tool(
                t("report.export_xlsx"),
                ready.then_some(Message::Export(FileKind::Xlsx))
            ),
            widget::secondary(
                t("report.export_csv"),
                ready.then_some(Message::Export(FileKind::Csv))
            ),
        ]
        .spacing(8)
        .align_y(Alignment::Center)
        .into()
    }

    /// The chosen outlet's path from the user's own outlet: each step opens.
    fn path_row<'a>(&'a self, ctx: &Ctx<'a>, r: &'a ConversionReport) -> Element<'a, Message> {
        let own = &ctx.user.outlet_code;
        let path = ctx.tree.path(&r.outlet_code);
        let start = path.iter().position(|o| &o.code == own).unwrap_or(0);
        let mut line = row![text(ctx.t("report.outlet"))]
            .spacing(6)
            .align_y(Alignment::Center);
        for (i, o) in path[start..].iter().enumerate() {
            if i > 0 {
                line = line.push(widget::muted("›"));
            }
            line = line.push(
                button(text(o.name.clone()).size(13))
                    .padding([2, 6])
                    .style(theme::button::text)
                    .on_press(Message::Open(o.code.clone())),
            );
        }
        line.wrap().into()
    }

    fn table<'a>(&'a self, ctx: &Ctx<'a>, r: &'a ConversionReport) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let arrow = |by: SortBy| match self.sort {
            Some((b, asc)) if b == by => {
                if asc {
                    " ▲"
                } else {
                    " ▼"
                }
            }
            _ => "",
        };
        let head = |label: String, by: SortBy, w: u16| -> Element<'a, Message> {
            button(text(format!("{label}{}", arrow(by))).size(12))
                .padding([2, 4])
                .style(theme::button::text)
                .width(Length::FillPortion(w))
                .on_press(Message::Sort(by))
                .into()
        };
        let mut header = row![head(t("report.col.outlet"), SortBy::Name, 16)].spacing(4);
        for (i, (key, c)) in COUNTS.iter().enumerate() {
            header = header.push(head(t(key), SortBy::Count(*c), 6));
            if i == 1 {
                header = header.push(head(t("report.col.ratio"), SortBy::Ratio, 10));
            }
        }
        header = header.push(head(t("report.col.discount"), SortBy::Discount, 8));
        let rows = self
            .sorted_rows()
            .into_iter()
            .fold(column![header].spacing(2), |c, row| {
                c.push(row_view(ctx, r, row))
            });
        container(rows)
            .padding(4)
            .style(theme::container::bordered_box)
            .into()
    }
}

/// Which orders a row stands for.
fn part_of(r: &ConversionReport, row: &ReportRow) -> RowPart {
    match &row.outlet_code {
        None => RowPart::Pool,
        Some(c) if *c == r.outlet_code => RowPart::Own(c.clone()),
        Some(c) => RowPart::Subtree(c.clone()),
    }
}

/// One child's row: click the name to drill down, double-click a number
/// to see its orders.
fn row_view<'a>(
    ctx: &Ctx<'a>,
    r: &'a ConversionReport,
    row: &'a ReportRow,
) -> Element<'a, Message> {
    let part = part_of(r, row);
    // An outlet with children opens (drills down) on a click of its name.
    let name: Element<'a, Message> = match &part {
        RowPart::Subtree(c) if !ctx.tree.children(c).is_empty() => {
            button(text(row.name.clone()).size(13))
                .padding(0)
                .style(theme::button::text)
                .width(Length::FillPortion(16))
                .on_press(Message::Open(c.clone()))
                .into()
        }
        _ => text(row.name.clone())
            .size(13)
            .width(Length::FillPortion(16))
            .into(),
    };
    let number = |n: i64, c: ReportColumn, w: u16| -> Element<'a, Message> {
        let title = format!(
            "{} · {}",
            row.name,
            ctx.t(&format!("report.col.{}", short(c)))
        );
        mouse_area(text(n.to_string()).size(13).width(Length::FillPortion(w)))
            .on_double_click(Message::Behind(part.clone(), c, title))
            .into()
    };
    let mut line = iced::widget::Row::new().spacing(4).push(name);
    for (i, (_, c)) in COUNTS.iter().enumerate() {
        line = line.push(number(count(row, *c), *c, 6));
        if i == 1 {
            line = line.push(ratio_cell(
                ctx,
                row.ratio,
                r.target_percent,
                Length::FillPortion(10),
            ));
        }
    }
    line = line.push(
        text(yuan(row.ali_discount_fen))
            .size(13)
            .width(Length::FillPortion(8)),
    );
    container(line).padding([2, 4]).into()
}

/// The ratio, red and marked in words below the target.
fn ratio_cell<'a>(
    ctx: &Ctx<'a>,
    ratio: Option<f64>,
    target: i64,
    width: Length,
) -> Element<'a, Message> {
    let low = below_target(ratio, target);
    let label = if low {
        format!("{} {}", percent(ratio), ctx.t("report.below_target"))
    } else {
        percent(ratio)
    };
    text(label)
        .size(13)
        .width(width)
        .style(move |t: &Theme| text::Style {
            color: low.then(|| theme::error_text(t)),
        })
        .into()
}

fn short(c: ReportColumn) -> &'static str {
    match c {
        ReportColumn::BilledForOthers => "for_others",
        ReportColumn::BilledByOthers => "by_others",
        c => c.as_str(),
    }
}

/// The chosen outlet's totals.
fn summary<'a>(ctx: &Ctx<'a>, r: &'a ConversionReport) -> Element<'a, Message> {
    let t = |k: &str| ctx.t(k);
    let cell = |label: String, value: Element<'a, Message>| -> Element<'a, Message> {
        container(column![widget::muted(label).size(12), value].spacing(2))
            .padding([6, 12])
            .style(theme::container::bordered_box)
            .into()
    };
    let total = &r.total;
    row![
        cell(
            t("report.col.valid"),
            text(total.valid.to_string()).size(18).into()
        ),
        cell(
            t("report.col.billed"),
            text(total.billed.to_string()).size(18).into()
        ),
        cell(
            t("report.col.ratio"),
            ratio_cell(ctx, total.ratio, r.target_percent, Length::Shrink)
        ),
        cell(
            t("report.col.open"),
            text(total.open.to_string()).size(18).into()
        ),
        cell(
            t("report.col.discount"),
            text(yuan(total.ali_discount_fen)).size(18).into()
        ),
        widget::muted(i18n::tf(
            ctx.lang,
            "report.target",
            &[("n", &r.target_percent.to_string())]
        ))
        .size(12),
    ]
    .spacing(8)
    .align_y(Alignment::Center)
    .wrap()
    .into()
}

/// A bar of `share` (0..1) of the width, in `color`.
fn bar<'a>(share: f64, color: fn(&Theme) -> Color) -> Element<'a, Message> {
    let filled = (share.clamp(0.0, 1.0) * 1000.0).round() as u16;
    row![
        container(space())
            .height(12)
            .width(Length::FillPortion(filled.max(1)))
            .style(move |t: &Theme| container::Style {
                background: Some(color(t).into()),
                ..container::Style::default()
            }),
        space().width(Length::FillPortion((1000 - filled).max(1))),
    ]
    .into()
}

fn primary(t: &Theme) -> Color {
    t.extended_palette().primary.base.color
}

fn danger(t: &Theme) -> Color {
    theme::error_text(t)
}

/// The ratio per child against the chosen outlet's (the network average
/// of this view), as bars.
fn bars<'a>(ctx: &Ctx<'a>, r: &'a ConversionReport) -> Element<'a, Message> {
    let avg = r.total.ratio.unwrap_or(0.0);
    let mut col = column![
        text(ctx.t("report.chart.bars")).size(14),
        row![
            text(i18n::tf(
                ctx.lang,
                "report.chart.average",
                &[("p", &percent(r.total.ratio))]
            ))
            .size(12)
            .width(Length::FillPortion(3)),
            container(bar(avg, primary)).width(Length::FillPortion(7)),
        ]
        .spacing(6)
    ]
    .spacing(3);
    for c in r.children.iter().filter(|c| c.valid > 0) {
        let low = below_target(c.ratio, r.target_percent);
        let part = part_of(r, c);
        let title = format!("{} · {}", c.name, ctx.t("report.col.billed"));
        col = col.push(
            mouse_area(
                row![
                    text(format!("{} {}", c.name, percent(c.ratio)))
                        .size(12)
                        .width(Length::FillPortion(3)),
                    container(bar(
                        c.ratio.unwrap_or(0.0),
                        if low { danger } else { primary }
                    ))
                    .width(Length::FillPortion(7)),
                ]
                .spacing(6),
            )
            .on_double_click(Message::Behind(part, ReportColumn::Billed, title)),
        );
    }
    container(col)
        .padding(8)
        .width(Length::FillPortion(1))
        .style(theme::container::bordered_box)
        .into()
}

/// The chosen outlet's ratio day by day, as columns.
fn trend<'a>(ctx: &Ctx<'a>, r: &'a ConversionReport) -> Element<'a, Message> {
    let cols = r.days.iter().fold(row![].spacing(1).height(80), |line, d| {
        let ratio = crate::domain::report::ratio(d.billed, d.valid).unwrap_or(0.0);
        let filled = (ratio * 100.0).round() as u16;
        line.push(
            column![
                space().height(Length::FillPortion(100 - filled.min(99))),
                container(space())
                    .width(Length::Fill)
                    .height(Length::FillPortion(filled.max(1)))
                    .style(|t: &Theme| container::Style {
                        background: Some(primary(t).into()),
                        ..container::Style::default()
                    }),
            ]
            .width(Length::Fill),
        )
    });
    let span = match (r.days.first(), r.days.last()) {
        (Some(a), Some(b)) => format!("{} — {}", a.date, b.date),
        _ => String::new(),
    };
    container(
        column![
            text(ctx.t("report.chart.trend")).size(14),
            cols,
            widget::muted(span).size(11)
        ]
        .spacing(3),
    )
    .padding(8)
    .width(Length::FillPortion(1))
    .style(theme::container::bordered_box)
    .into()
}

/// The orders behind a number, in a dialog.
fn behind_view<'a>(ctx: &Ctx<'a>, b: &'a super::Behind) -> Element<'a, Message> {
    let t = |k: &str| ctx.t(k);
    let heads = [
        "report.order.no",
        "report.order.status",
        "report.order.accepting",
        "report.order.billing",
        "report.order.waybill",
        "report.order.reason",
    ];
    let header = heads.iter().fold(row![].spacing(6), |r, k| {
        r.push(text(t(k)).size(12).width(Length::FillPortion(1)))
    });
    let mut list = column![header].spacing(2);
    match &b.orders {
        None => list = list.push(widget::muted(t("report.loading"))),
        Some(o) => {
            for o in &o.orders {
                let cells = [
                    o.order_no.clone(),
                    t(&format!("status.{}", o.status.as_str())),
                    o.accepting_outlet_code.clone().unwrap_or_default(),
                    o.billing_outlet_code.clone().unwrap_or_default(),
                    o.waybill_no.clone().unwrap_or_default(),
                    o.reason_code.clone().unwrap_or_default(),
                ];
                list = list.push(cells.into_iter().fold(row![].spacing(6), |r, c| {
                    r.push(text(c).size(12).width(Length::FillPortion(1)))
                }));
            }
        }
    }
    let count = b.orders.as_ref().map_or(0, |o| o.total);
    container(
        column![
            text(b.title.clone()).size(16),
            widget::muted(i18n::tf(
                ctx.lang,
                "report.behind_count",
                &[("n", &count.to_string())]
            )),
            scrollable(list).height(360),
            widget::tool(t("report.close"), Some(Message::CloseBehind)),
        ]
        .spacing(8),
    )
    .into()
}
