//! 导出Excel and 导出CSV of any list (SPEC 6): a table of typed cells
//! written as .xlsx (frozen header, auto-filter, widths that fit Chinese,
//! percent and money formats, an optional sheet of notes) or as UTF-8 CSV
//! with a BOM, so Excel on Windows reads the Chinese. Rows are written as
//! they come; `progress` sees the count and may cancel. The file appears
//! only when complete: it is written beside its place and renamed, so a
//! failure or a cancel leaves any file already there untouched.

mod job;
mod sink;

use std::path::Path;

use rust_xlsxwriter::XlsxError;

use crate::api::report::{ConversionReport, ReportOrder, ReportRow};
use crate::i18n::{self, Lang};
pub use job::{Failure, Mapped, Rows, run};
pub use sink::Sink;

/// How a column's cells are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    /// A ratio 0..1 shown as a percentage.
    Percent,
    /// Fen shown as yuan.
    Money,
    /// Grams shown as kg.
    Kg,
    /// cm³ shown as m³.
    M3,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// None: nothing to divide by (shown empty).
    Percent(Option<f64>),
    Fen(i64),
    Grams(i64),
    Cm3(i64),
}

/// A list to export: headings with their kinds, and the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The sheet's name.
    pub title: String,
    pub columns: Vec<(String, Kind)>,
    pub rows: Vec<Vec<Cell>>,
    /// A second sheet of explanations (one line a row), e.g. the formula.
    pub notes: Option<(String, Vec<String>)>,
}

/// Why an export did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Xlsx(#[from] XlsxError),
    #[error("cancelled")]
    Cancelled,
    /// The rows could not be read (the cache).
    #[error("{0}")]
    Source(String),
    /// The writer gave up mid-way (rust_xlsxwriter panics on a failed
    /// write, e.g. a full disk); its message.
    #[error("{0}")]
    Panicked(String),
}

/// The file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileKind {
    #[default]
    Xlsx,
    Csv,
}

/// How wide `s` shows in a spreadsheet: a CJK character takes two columns.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

fn shown(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Percent(None) => String::new(),
        Cell::Percent(Some(r)) => format!("{:.1}%", r * 100.0),
        Cell::Fen(f) => format!("{}.{:02}", f / 100, (f % 100).abs()),
        Cell::Grams(g) => crate::ui::format::kg(*g),
        Cell::Cm3(v) => crate::ui::format::m3(*v),
    }
}

/// Writes `table` to `path`; `progress(rows written)` returning false
/// cancels (nothing is left behind).
pub fn write(
    table: &Table,
    path: &Path,
    format: FileKind,
    progress: &mut dyn FnMut(usize) -> bool,
) -> Result<(), ExportError> {
    let mut sink = Sink::create(path, format, &table.title, &table.columns)?;
    for (i, row) in table.rows.iter().enumerate() {
        sink.push(row)?;
        if (i + 1) % STEP == 0 && !progress(i + 1) {
            return Err(ExportError::Cancelled);
        }
    }
    let notes = table
        .notes
        .as_ref()
        .map(|(title, lines)| (title.as_str(), lines.as_slice()));
    sink.finish(notes)?;
    progress(table.rows.len());
    Ok(())
}

/// How often progress is reported, in rows.
const STEP: usize = 1000;

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    if clean.is_empty() {
        "Sheet1".into()
    } else {
        clean
    }
}

/// The report as a table: every SPEC 6 column, the total last, and a sheet
/// explaining the formula.
pub fn report_table(r: &ConversionReport, lang: Lang) -> Table {
    let t = |k: &str| i18n::t(lang, k);
    let columns = vec![
        (t("report.col.outlet"), Kind::Text),
        (t("report.col.code"), Kind::Text),
        (t("report.col.valid"), Kind::Int),
        (t("report.col.billed"), Kind::Int),
        (t("report.col.ratio"), Kind::Percent),
        (t("report.col.for_others"), Kind::Int),
        (t("report.col.by_others"), Kind::Int),
        (t("report.col.returned"), Kind::Int),
        (t("report.col.pickup_failed"), Kind::Int),
        (t("report.col.cancelled"), Kind::Int),
        (t("report.col.open"), Kind::Int),
        (t("report.col.discount"), Kind::Money),
    ];
    let line = |row: &ReportRow, name: String| {
        vec![
            Cell::Text(name),
            Cell::Text(row.outlet_code.clone().unwrap_or_default()),
            Cell::Int(row.valid),
            Cell::Int(row.billed),
            Cell::Percent(row.ratio),
            Cell::Int(row.billed_for_others),
            Cell::Int(row.billed_by_others),
            Cell::Int(row.returned),
            Cell::Int(row.pickup_failed),
            Cell::Int(row.cancelled),
            Cell::Int(row.open),
            Cell::Fen(row.ali_discount_fen),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = r.children.iter().map(|c| line(c, c.name.clone())).collect();
    rows.push(line(
        &r.total,
        i18n::tf(lang, "report.total_of", &[("name", &r.total.name)]),
    ));
    let period = i18n::tf(
        lang,
        "report.export.period",
        &[("from", &r.from.to_string()), ("to", &r.to.to_string())],
    );
    let notes = std::iter::once(period)
        .chain((1..=6).map(|i| t(&format!("report.export.formula{i}"))))
        .chain(std::iter::once(i18n::tf(
            lang,
            "report.target",
            &[("n", &r.target_percent.to_string())],
        )))
        .collect();
    Table {
        title: t("report.title"),
        columns,
        rows,
        notes: Some((t("report.export.formula_sheet"), notes)),
    }
}

/// The orders behind a report number as a table, outlets named by `names`
/// ("扬州办事处 (JS-YZ)") and reasons by `reasons`.
pub fn report_orders_table(
    orders: &[ReportOrder],
    title: &str,
    names: &dyn Fn(&str) -> String,
    reasons: &dyn Fn(&str) -> String,
    lang: Lang,
) -> Table {
    let t = |k: &str| i18n::t(lang, k);
    let columns = vec![
        (t("report.order.no"), Kind::Text),
        (t("report.order.placed"), Kind::Text),
        (t("report.order.status"), Kind::Text),
        (t("report.order.responsible"), Kind::Text),
        (t("report.order.accepting"), Kind::Text),
        (t("report.order.billing"), Kind::Text),
        (t("report.order.waybill"), Kind::Text),
        (t("report.order.reason"), Kind::Text),
        (t("report.order.discount"), Kind::Money),
    ];
    let place = |c: &Option<String>| Cell::Text(c.as_deref().map(names).unwrap_or_default());
    let rows = orders
        .iter()
        .map(|o| {
            vec![
                Cell::Text(o.order_no.clone()),
                // China time, as the report's days.
                Cell::Text(
                    (o.created_at + chrono::Duration::hours(8))
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                ),
                Cell::Text(t(&format!("status.{}", o.status.as_str()))),
                match &o.responsible_outlet_code {
                    None => Cell::Text(t("report.pool")),
                    some => place(some),
                },
                place(&o.accepting_outlet_code),
                place(&o.billing_outlet_code),
                Cell::Text(o.waybill_no.clone().unwrap_or_default()),
                Cell::Text(o.reason_code.as_deref().map(reasons).unwrap_or_default()),
                Cell::Fen(o.ali_discount_fen),
            ]
        })
        .collect();
    Table {
        title: t("report.export.orders_sheet"),
        columns,
        rows,
        notes: Some((t("report.export.formula_sheet"), vec![title.to_owned()])),
    }
}
