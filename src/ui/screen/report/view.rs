//! Drawing 阿里巴巴成交比: period row, outlet path, summary strip, the
//! children's table, the ratio bars and the daily trend, the orders
//! behind a number. The charts are in `chart`.

use iced::widget::{
    button, canvas, column, container, mouse_area, row, scrollable, text, text_input,
};
use iced::{Alignment, Length};

use super::{Message, SortBy, State, Target, below_target, chart, count};
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

/// The table's count columns: heading key, column and width (portions).
/// The widths are set at 1024 大字体 in English: the long single words
/// (Cancelled, Returned) get the room they need, short headings less, so
/// the ratio with its "below target" takes at most two lines.
const COUNTS: [(&str, ReportColumn, u16); 8] = [
    ("report.col.valid", ReportColumn::Valid, 5),
    ("report.col.billed", ReportColumn::Billed, 5),
    ("report.col.for_others", ReportColumn::BilledForOthers, 7),
    ("report.col.by_others", ReportColumn::BilledByOthers, 7),
    ("report.col.returned", ReportColumn::Returned, 7),
    ("report.col.pickup_failed", ReportColumn::PickupFailed, 7),
    ("report.col.cancelled", ReportColumn::Cancelled, 7),
    ("report.col.open", ReportColumn::Open, 5),
];

/// The other columns' widths (portions) and the gap between columns.
const NAME_W: u16 = 10;
const RATIO_W: u16 = 16;
const DISCOUNT_W: u16 = 7;
const GAP: f32 = 6.0;

/// The ratio as a percentage, "—" when nothing is valid.
pub fn percent(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

impl State {
    /// Draws the screen.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let mut col = column![text(t("report.title")).size(18)]
            .spacing(8)
            .padding(10);
        if self.behind.is_none() {
            col = col.push(self.period_row(ctx));
        }
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
            col = col.push(widget::banner(
                text(i18n::tf(
                    ctx.lang,
                    "report.stale",
                    &[
                        (
                            "time",
                            &(at + chrono::Duration::hours(8))
                                .format("%m-%d %H:%M")
                                .to_string(),
                        ),
                        ("minutes", &self.age_minutes.to_string()),
                    ],
                )),
                Tone::Warning,
            ));
        }
        if let Some(b) = &self.behind {
            return col.push(self.behind_view(ctx, b)).into();
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
        let charts = row![self.bars(ctx, r), self.trend(ctx, r)].spacing(16);
        col = col.push(charts);
        scrollable(col).spacing(4).height(Length::Fill).into()
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
        // With the orders behind a number shown, they are what is exported.
        let (target, ready) = match &self.behind {
            Some(b) => (Target::Behind, b.page.as_ref().is_some_and(|p| p.total > 0)),
            None => (Target::Report, self.report.is_some()),
        };
        row![
            text_input(&t("report.path"), &self.path)
                .on_input(Message::Path)
                .padding(5)
                .width(Length::Fill),
            widget::tool(
                t("report.export_xlsx"),
                ready.then_some(Message::Export(target, FileKind::Xlsx))
            ),
            widget::secondary(
                t("report.export_csv"),
                ready.then_some(Message::Export(target, FileKind::Csv))
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
            // No side padding: at 1024 大字体 English every pixel of the
            // column is needed for "Cancelled" beside "Open".
            button(text(format!("{label}{}", arrow(by))).size(11))
                .padding([2, 0])
                .style(theme::button::text)
                .width(Length::FillPortion(w))
                .on_press(Message::Sort(by))
                .into()
        };
        let mut header = row![head(t("report.col.outlet"), SortBy::Name, NAME_W)].spacing(GAP);
        for (i, (key, c, w)) in COUNTS.iter().enumerate() {
            header = header.push(head(t(key), SortBy::Count(*c), *w));
            if i == 1 {
                header = header.push(head(t("report.col.ratio"), SortBy::Ratio, RATIO_W));
            }
        }
        header = header.push(head(t("report.col.discount"), SortBy::Discount, DISCOUNT_W));
        // Padded as the rows are, so the columns line up.
        let header = container(header).padding([0, 4]);
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
                .width(Length::FillPortion(NAME_W))
                .on_press(Message::Open(c.clone()))
                .into()
        }
        _ => text(row.name.clone())
            .size(13)
            .width(Length::FillPortion(NAME_W))
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
    let mut line = iced::widget::Row::new().spacing(GAP).push(name);
    for (i, (_, c, w)) in COUNTS.iter().enumerate() {
        line = line.push(number(count(row, *c), *c, *w));
        if i == 1 {
            line = line.push(ratio_cell(
                ctx,
                row.ratio,
                r.target_percent,
                Length::FillPortion(RATIO_W),
            ));
        }
    }
    line = line.push(
        text(yuan(row.ali_discount_fen))
            .size(13)
            .width(Length::FillPortion(DISCOUNT_W)),
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
    // A double-click on a count lists the orders behind it.
    let number = |column: ReportColumn| -> Element<'a, Message> {
        let title = format!(
            "{} · {}",
            total.name,
            ctx.t(&format!("report.col.{}", short(column)))
        );
        mouse_area(text(count(total, column).to_string()).size(18))
            .on_double_click(Message::Behind(
                RowPart::Subtree(r.outlet_code.clone()),
                column,
                title,
            ))
            .into()
    };
    row![
        cell(t("report.col.valid"), number(ReportColumn::Valid)),
        cell(t("report.col.billed"), number(ReportColumn::Billed)),
        cell(
            t("report.col.ratio"),
            ratio_cell(ctx, total.ratio, r.target_percent, Length::Shrink)
        ),
        cell(t("report.col.open"), number(ReportColumn::Open)),
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

/// The chart labels in the user's language.
fn labels(ctx: &Ctx<'_>, r: &ConversionReport) -> chart::Labels {
    chart::Labels {
        average: i18n::tf(
            ctx.lang,
            "report.chart.average",
            &[("p", &percent(r.total.ratio))],
        ),
        target: i18n::tf(
            ctx.lang,
            "report.chart.target",
            &[("n", &r.target_percent.to_string())],
        ),
        valid: ctx.t("report.col.valid"),
        billed: ctx.t("report.col.billed"),
    }
}

/// A chart's frame: its title above the canvas.
fn chart_box<'a>(title: String, body: Element<'a, Message>) -> Element<'a, Message> {
    container(column![text(title).size(14), body].spacing(3))
        .padding(8)
        .width(Length::FillPortion(1))
        .style(theme::container::bordered_box)
        .into()
}

impl State {
    /// The ratio per child (those with valid orders) against the chosen
    /// outlet's (the network average of this view) and the target.
    fn bars<'a>(&'a self, ctx: &Ctx<'a>, r: &'a ConversionReport) -> Element<'a, Message> {
        let bars = r
            .children
            .iter()
            .filter(|c| c.valid > 0)
            .map(|c| chart::Bar {
                name: &c.name,
                ratio: c.ratio,
                valid: c.valid,
                billed: c.billed,
                low: below_target(c.ratio, r.target_percent),
                open: Message::Behind(
                    part_of(r, c),
                    ReportColumn::Billed,
                    format!("{} · {}", c.name, ctx.t("report.col.billed")),
                ),
            })
            .collect();
        let program = chart::Bars {
            bars,
            average: r.total.ratio,
            target: r.target_percent as f64 / 100.0,
            labels: labels(ctx, r),
            cache: &self.bars_cache,
        };
        let height = program.height();
        chart_box(
            ctx.t("report.chart.bars"),
            canvas(program).width(Length::Fill).height(height).into(),
        )
    }

    /// The chosen outlet's ratio day by day.
    fn trend<'a>(&'a self, ctx: &Ctx<'a>, r: &'a ConversionReport) -> Element<'a, Message> {
        let days = r
            .days
            .iter()
            .map(|d| chart::Day {
                label: d.date.format("%m-%d").to_string(),
                ratio: crate::domain::report::ratio(d.billed, d.valid),
                valid: d.valid,
                billed: d.billed,
            })
            .collect();
        let program = chart::Trend {
            days,
            target: r.target_percent as f64 / 100.0,
            labels: labels(ctx, r),
            cache: &self.trend_cache,
        };
        chart_box(
            ctx.t("report.chart.trend"),
            canvas(program).width(Length::Fill).height(170).into(),
        )
    }
}
