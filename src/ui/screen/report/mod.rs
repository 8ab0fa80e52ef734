//! 报表 → 阿里巴巴成交比 (SPEC 6): a period (presets or typed days), the
//! outlet to look at (the user's own first, then drilled down through its
//! children), a summary strip, the children's table with every column,
//! bars of their ratios against the network's, the daily trend, and the
//! orders behind a number. The last answer stays on screen when the server
//! is away, with its age.

mod files;
mod view;

pub use files::Chosen;

use chrono::{DateTime, Utc};
use iced::Task;

use super::form::lost;
use super::{Ctx, Lost};
use crate::api::report::{ConversionReport, ReportColumn, ReportOrders, ReportRow};
use crate::domain::report::{Period, Preset, china_day};
use crate::export::FileKind;
use crate::sync::ClientError;
use crate::sync::report_client::RowPart;

/// What the report screen tells the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A call failed for want of the server or the session.
    Lost(Lost),
}

/// A sortable column of the children's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Name,
    Count(ReportColumn),
    Ratio,
    Discount,
}

/// What the report screen reacts to.
#[derive(Debug, Clone)]
pub enum Message {
    /// A period preset.
    Preset(Preset),
    /// The typed first day.
    From(String),
    /// The typed last day.
    To(String),
    /// 查询 with the typed days.
    Query,
    /// The report arrived (or not).
    Loaded(Box<Result<ConversionReport, ClientError>>),
    /// Look at this outlet's children (drill down, or back up the path).
    Open(String),
    /// Sort the table by a column (again: the other way).
    Sort(SortBy),
    /// The orders behind a row's number.
    Behind(RowPart, ReportColumn, String),
    /// They arrived.
    BehindLoaded(Box<Result<ReportOrders, ClientError>>),
    /// Close the orders list.
    CloseBehind,
    /// The typed save path changed.
    Path(String),
    /// 导出Excel / 导出CSV.
    Export(FileKind),
    /// The save dialog's answer.
    Chosen(FileKind, Chosen),
    /// The file was written (the notice) or not (why).
    Exported(Result<String, String>),
}

/// The orders list behind a number.
#[derive(Debug, Clone)]
pub struct Behind {
    pub title: String,
    pub orders: Option<ReportOrders>,
}

/// The report screen.
#[derive(Default)]
pub struct State {
    period: Option<Period>,
    preset: Option<Preset>,
    from: String,
    to: String,
    /// The outlet looked at (None: the user's own).
    outlet: Option<String>,
    report: Option<ConversionReport>,
    /// When the shown answer was fetched (this PC's clock).
    fetched: Option<DateTime<Utc>>,
    /// The last call failed: the answer shown is the cached one.
    stale: bool,
    error: Option<String>,
    loading: bool,
    sort: Option<(SortBy, bool)>,
    behind: Option<Behind>,
    /// The typed save path (blank: the save dialog).
    path: String,
    /// The folder the last export went to, where the dialog opens next.
    folder: Option<std::path::PathBuf>,
    /// The last export's outcome.
    notice: Option<String>,
}

/// The most orders one drill-down shows.
const BEHIND_LIMIT: i64 = 500;

impl State {
    /// Loads the report (when the screen is shown): this month at first.
    pub fn reload(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        if self.period.is_none() {
            self.set_preset(Preset::ThisMonth, ctx);
        }
        self.fetch(ctx)
    }

    fn set_preset(&mut self, p: Preset, ctx: &Ctx<'_>) {
        let period = p.period(china_day(ctx.now));
        self.preset = Some(p);
        self.period = Some(period);
        self.from = period.from.to_string();
        self.to = period.to.to_string();
    }

    fn fetch(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let Some(period) = self.period else {
            return Task::none();
        };
        self.loading = true;
        let client = ctx.client.clone();
        let outlet = self.outlet.clone();
        Task::perform(
            async move { client.ali_conversion(period, outlet.as_deref()).await },
            |r| Message::Loaded(Box::new(r)),
        )
    }

    /// Handles a message; returns the work to do and what the app should know.
    pub fn update(&mut self, message: Message, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Preset(p) => {
                self.set_preset(p, ctx);
                return (self.fetch(ctx), None);
            }
            Message::From(s) => self.from = s,
            Message::To(s) => self.to = s,
            Message::Query => {
                let today = china_day(ctx.now);
                match Period::parse(Some(&self.from), Some(&self.to), today) {
                    Ok(p) => {
                        self.period = Some(p);
                        self.preset = None;
                        self.error = None;
                        return (self.fetch(ctx), None);
                    }
                    Err(e) => self.error = Some(ctx.t(&format!("err.{}", e.code()))),
                }
            }
            Message::Loaded(r) => return (Task::none(), self.loaded(*r, ctx)),
            Message::Open(code) => {
                self.outlet = Some(code);
                self.behind = None;
                return (self.fetch(ctx), None);
            }
            Message::Sort(by) => {
                self.sort = match self.sort {
                    Some((b, asc)) if b == by => Some((by, !asc)),
                    _ => Some((by, by == SortBy::Name)),
                };
            }
            Message::Behind(part, column, title) => {
                let Some(period) = self.period else {
                    return (Task::none(), None);
                };
                self.behind = Some(Behind {
                    title,
                    orders: None,
                });
                let client = ctx.client.clone();
                return (
                    Task::perform(
                        async move {
                            client
                                .report_orders(period, &part, column, BEHIND_LIMIT, 0)
                                .await
                        },
                        |r| Message::BehindLoaded(Box::new(r)),
                    ),
                    None,
                );
            }
            Message::BehindLoaded(r) => match *r {
                Ok(list) => {
                    if let Some(b) = &mut self.behind {
                        b.orders = Some(list);
                    }
                }
                Err(e) => {
                    self.behind = None;
                    self.error = Some(e.user_message(ctx.lang));
                    return (Task::none(), lost(&e).map(Event::Lost));
                }
            },
            Message::CloseBehind => self.behind = None,
            Message::Path(p) => self.path = p,
            Message::Export(kind) => return (self.export(kind, ctx), None),
            Message::Chosen(kind, c) => return (self.chosen(kind, c, ctx), None),
            Message::Exported(Ok(n)) => {
                self.notice = Some(n);
                self.error = None;
            }
            Message::Exported(Err(e)) => {
                self.notice = None;
                self.error = Some(e);
            }
        }
        (Task::none(), None)
    }

    fn loaded(&mut self, r: Result<ConversionReport, ClientError>, ctx: &Ctx<'_>) -> Option<Event> {
        self.loading = false;
        match r {
            Ok(report) => {
                self.outlet = Some(report.outlet_code.clone());
                self.report = Some(report);
                self.fetched = Some(Utc::now());
                self.stale = false;
                self.error = None;
                None
            }
            Err(e) => {
                // The last answer stays, marked with its age.
                self.stale = self.report.is_some();
                self.error = Some(e.user_message(ctx.lang));
                lost(&e).map(Event::Lost)
            }
        }
    }

    /// The children's rows in the chosen order.
    fn sorted_rows(&self) -> Vec<&ReportRow> {
        let Some(r) = &self.report else {
            return Vec::new();
        };
        let mut rows: Vec<&ReportRow> = r.children.iter().collect();
        if let Some((by, asc)) = self.sort {
            rows.sort_by(|a, b| {
                let o = match by {
                    SortBy::Name => a.name.cmp(&b.name),
                    SortBy::Ratio => a
                        .ratio
                        .partial_cmp(&b.ratio)
                        .unwrap_or(std::cmp::Ordering::Equal),
                    SortBy::Discount => a.ali_discount_fen.cmp(&b.ali_discount_fen),
                    SortBy::Count(c) => count(a, c).cmp(&count(b, c)),
                };
                if asc { o } else { o.reverse() }
            });
        }
        rows
    }
}

/// A row's number in `column`.
pub fn count(r: &ReportRow, column: ReportColumn) -> i64 {
    match column {
        ReportColumn::All => r.valid + r.cancelled,
        ReportColumn::Valid => r.valid,
        ReportColumn::Billed => r.billed,
        ReportColumn::BilledForOthers => r.billed_for_others,
        ReportColumn::BilledByOthers => r.billed_by_others,
        ReportColumn::Returned => r.returned,
        ReportColumn::PickupFailed => r.pickup_failed,
        ReportColumn::Cancelled => r.cancelled,
        ReportColumn::Open => r.open,
    }
}

/// Whether a ratio is below the target (in percent).
pub fn below_target(ratio: Option<f64>, target_percent: i64) -> bool {
    ratio.is_some_and(|r| r * 100.0 < target_percent as f64)
}
