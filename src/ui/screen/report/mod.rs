//! 报表 → 阿里巴巴成交比 (SPEC 6): a period (presets or typed days), the
//! outlet to look at (the user's own first, then drilled down through its
//! children), a summary strip, the children's table with every column,
//! bars of their ratios against the network's, the daily trend, and the
//! orders behind a number. The last answer stays on screen when the server
//! is away, with its age.

mod behind;
pub mod chart;
mod files;
mod view;

pub use files::Chosen;

use chrono::{DateTime, Utc};
use iced::Task;

use super::form::lost;
use super::{Ctx, Lost};
use std::path::PathBuf;

use crate::api::report::{ConversionReport, ReportColumn, ReportOrder, ReportOrders, ReportRow};
use crate::domain::report::{Period, Preset, china_day};
use crate::export::FileKind;
use crate::store::CachedReport;
use crate::sync::report_client::RowPart;
use crate::sync::{ClientError, OrderAnswer};

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
    /// A page of them arrived (for this offset).
    BehindLoaded(i64, Box<Result<ReportOrders, ClientError>>),
    /// Show the page from this offset.
    BehindPage(i64),
    /// Back from the orders to the report.
    CloseBehind,
    /// Open one order of the list.
    OpenOrder(String),
    /// It arrived.
    OrderLoaded(String, Box<Result<OrderAnswer, ClientError>>),
    /// Close the opened order.
    CloseOrder,
    /// The typed save path changed.
    Path(String),
    /// 导出Excel / 导出CSV of the report or of the orders behind a number.
    Export(Target, FileKind),
    /// The save dialog's answer.
    Chosen(Target, FileKind, Chosen),
    /// Every order behind the number arrived for export to the path.
    BehindFetched(
        FileKind,
        PathBuf,
        Box<Result<Vec<ReportOrder>, ClientError>>,
    ),
    /// The file was written (the notice) or not (why).
    Exported(Result<String, String>),
    /// The export folder was remembered in the cache (or why not).
    FolderSaved(Result<(), String>),
    /// The last answer and export folder kept in the cache were read.
    Restored(Box<Option<CachedReport>>, Option<PathBuf>),
    /// The answer was kept in the cache (or why not).
    Kept(Result<(), String>),
}

/// What an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The report's rows.
    Report,
    /// The orders behind the number shown.
    Behind,
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
    /// When the shown answer was fetched (server time).
    fetched: Option<DateTime<Utc>>,
    /// How old the shown answer is, in whole minutes; moved on by the
    /// app's tick so that drawing never reads the clock.
    age_minutes: i64,
    /// The last call failed: the answer shown is the cached one.
    stale: bool,
    error: Option<String>,
    loading: bool,
    sort: Option<(SortBy, bool)>,
    behind: Option<behind::Behind>,
    /// The typed save path (blank: the save dialog).
    path: String,
    /// The folder the last export went to, where the dialog opens next.
    folder: Option<std::path::PathBuf>,
    /// The last export's outcome.
    notice: Option<String>,
    /// The cache was asked for the last answer and folder.
    asked_cache: bool,
    /// The charts' drawings, kept until the answer changes.
    bars_cache: iced::widget::canvas::Cache,
    trend_cache: iced::widget::canvas::Cache,
}

impl State {
    /// Loads the report (when the screen is shown): this month at first,
    /// with the last answer kept in the cache shown until (or unless) the
    /// server answers.
    pub fn reload(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        if self.period.is_none() {
            self.set_preset(Preset::ThisMonth, ctx);
        }
        let fetch = self.fetch(ctx);
        if self.asked_cache {
            return fetch;
        }
        self.asked_cache = true;
        let store = ctx.store.clone();
        let restore = Task::perform(
            async move {
                store
                    .run(|s| Ok((s.last_report()?, s.export_folder()?)))
                    .await
            },
            |r| match r {
                Ok((cached, folder)) => Message::Restored(Box::new(cached), folder),
                Err(e) => {
                    tracing::warn!("report: cache unreadable: {e}");
                    Message::Restored(Box::new(None), None)
                }
            },
        );
        Task::batch([fetch, restore])
    }

    /// The cache's last answer: shown when nothing newer is, marked stale
    /// unless the server may still answer.
    fn restored(&mut self, cached: Option<CachedReport>, folder: Option<PathBuf>, ctx: &Ctx<'_>) {
        if self.folder.is_none() {
            self.folder = folder;
        }
        let Some(c) = cached.filter(|_| self.report.is_none()) else {
            return;
        };
        let period = Period {
            from: c.report.from,
            to: c.report.to,
        };
        self.period = Some(period);
        self.preset = None;
        self.from = period.from.to_string();
        self.to = period.to.to_string();
        self.outlet = Some(c.report.outlet_code.clone());
        self.report = Some(c.report);
        self.fetched = Some(c.fetched);
        self.tick(ctx.now);
        self.stale = !self.loading;
        self.bars_cache.clear();
        self.trend_cache.clear();
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
            Message::Loaded(r) => {
                let keep = match &*r {
                    Ok(report) => {
                        let cached = CachedReport {
                            fetched: ctx.now,
                            report: report.clone(),
                        };
                        let store = ctx.store.clone();
                        Task::perform(
                            async move { store.run(move |s| s.set_last_report(&cached)).await },
                            |r| Message::Kept(r.map_err(|e| e.to_string())),
                        )
                    }
                    Err(_) => Task::none(),
                };
                return (keep, self.loaded(*r, ctx));
            }
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
                return (self.open_behind(part, column, title, ctx), None);
            }
            Message::BehindLoaded(offset, r) => {
                return (Task::none(), self.behind_loaded(offset, *r, ctx));
            }
            Message::BehindPage(offset) => return (self.behind_page(offset, ctx), None),
            Message::CloseBehind => self.behind = None,
            Message::OpenOrder(no) => return (self.open_order(no, ctx), None),
            Message::OrderLoaded(no, r) => return (Task::none(), self.order_loaded(no, *r, ctx)),
            Message::CloseOrder => {
                if let Some(b) = &mut self.behind {
                    b.opened = None;
                }
            }
            Message::BehindFetched(kind, path, r) => {
                return self.behind_fetched(kind, path, *r, ctx);
            }
            Message::Path(p) => self.path = p,
            Message::Export(target, kind) => return (self.export(target, kind, ctx), None),
            Message::Chosen(target, kind, c) => return (self.chosen(target, kind, c, ctx), None),
            Message::Exported(Ok(n)) => {
                self.notice = Some(n);
                self.error = None;
            }
            Message::FolderSaved(r) | Message::Kept(r) => {
                if let Err(e) = r {
                    tracing::warn!("report: not kept in the cache: {e}");
                }
            }
            Message::Restored(cached, folder) => self.restored(*cached, folder, ctx),
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
                self.bars_cache.clear();
                self.trend_cache.clear();
                self.fetched = Some(ctx.now);
                self.age_minutes = 0;
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

    /// The app's tick: the shown answer's age moves on.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        if let Some(at) = self.fetched {
            self.age_minutes = (now - at).num_minutes().max(0);
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
