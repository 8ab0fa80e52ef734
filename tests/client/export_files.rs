//! 导出Excel and 导出CSV (SPEC 6): the report written to .xlsx and read back
//! with calamine (cells, the formula sheet, percent and money formats), and
//! to CSV with a BOM and the Chinese intact; a folder that cannot be
//! written says so and leaves nothing behind; a cancel leaves nothing.

use calamine::{Data, Reader, Xlsx, open_workbook};
use chrono::{NaiveDate, Utc};
use outlet_desk::api::report::{ConversionReport, ReportRow};
use outlet_desk::domain::report::Counts;
use outlet_desk::export::{self, FileKind};
use outlet_desk::i18n::Lang;

fn row(code: Option<&str>, name: &str, valid: i64, billed: i64, fen: i64) -> ReportRow {
    ReportRow {
        outlet_code: code.map(str::to_owned),
        name: name.into(),
        valid,
        billed,
        billed_for_others: 1,
        returned: 2,
        open: 3,
        ali_discount_fen: fen,
        ..ReportRow::default()
    }
    .finish()
}

fn report() -> ConversionReport {
    let children = vec![
        row(Some("JS"), "江苏分公司", 8, 6, 12_345),
        row(Some("ZJ"), "浙江分公司", 4, 1, 200),
        row(None, "总部订单池", 0, 0, 0),
    ];
    let mut total = ReportRow {
        outlet_code: Some("HQ".into()),
        name: "总公司".into(),
        ..ReportRow::default()
    };
    for c in &children {
        total.add(c);
    }
    ConversionReport {
        from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
        outlet_code: "HQ".into(),
        as_of: Utc::now(),
        total: total.finish(),
        children,
        days: Vec::new(),
        target_percent: 60,
    }
}

#[test]
fn the_report_reads_back_from_xlsx_with_its_formats() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("成交比.xlsx");
    let table = export::report_table(&report(), Lang::ZhCn);
    let mut seen = 0;
    export::write(&table, &path, FileKind::Xlsx, &mut |n| {
        seen = n;
        true
    })
    .unwrap();
    assert_eq!(seen, 4, "three rows and the total");
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names, ["阿里巴巴成交比", "公式说明"]);
    let r = wb.worksheet_range("阿里巴巴成交比").unwrap();
    assert_eq!(r.get_value((0, 0)), Some(&Data::String("网点".into())));
    assert_eq!(r.get_value((0, 4)), Some(&Data::String("成交比".into())));
    assert_eq!(
        r.get_value((1, 0)),
        Some(&Data::String("江苏分公司".into()))
    );
    assert_eq!(r.get_value((1, 2)), Some(&Data::Float(8.0)));
    assert_eq!(
        r.get_value((1, 4)),
        Some(&Data::Float(0.75)),
        "the ratio as a number"
    );
    assert_eq!(
        r.get_value((1, 11)),
        Some(&Data::Float(123.45)),
        "fen as yuan"
    );
    assert_eq!(
        r.get_value((3, 4)),
        Some(&Data::Empty),
        "no ratio without valid orders"
    );
    assert_eq!(
        r.get_value((4, 0)),
        Some(&Data::String("总公司 合计".into()))
    );
    assert_eq!(r.get_value((4, 2)), Some(&Data::Float(12.0)));
    let notes = wb.worksheet_range("公式说明").unwrap();
    let text: Vec<String> = notes.rows().map(|r| r[0].to_string()).collect();
    assert!(
        text.iter().any(|l| l.contains("成交比 = 已开单 ÷ 有效单")),
        "{text:?}"
    );
    assert!(text[0].contains("2026-11-01"), "{text:?}");

    // The formats, frozen header and filter, as stored in the package.
    let raw = std::fs::read(&path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(raw)).unwrap();
    let read = |zip: &mut zip::ZipArchive<_>, name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let styles = read(&mut zip, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"0.0%\""), "{styles}");
    assert!(styles.contains("¥#,##0.00"), "{styles}");
    let sheet = read(&mut zip, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<pane ySplit=\"1\""), "frozen header");
    assert!(sheet.contains("<autoFilter ref=\"A1:L5\""), "auto-filter");
    // The widest name, "总公司 合计", shows 11 columns wide (a CJK
    // character takes two): the column fits it with a margin.
    let width: f64 = sheet
        .split("<col min=\"1\" max=\"1\" width=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|w| w.parse().ok())
        .unwrap();
    assert!((11.0..20.0).contains(&width), "{width}");
}

#[test]
fn csv_has_a_bom_and_the_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.csv");
    let table = export::report_table(&report(), Lang::ZhCn);
    export::write(&table, &path, FileKind::Csv, &mut |_| true).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("网点,网点代码,有效单,已开单,成交比"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("江苏分公司,JS,8,6,75.0%"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",123.45"), "{}", lines[1]);
    assert_eq!(lines.len(), 5);
}

#[test]
fn a_folder_that_cannot_be_written_says_so_and_a_cancel_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let table = export::report_table(&report(), Lang::En);
    let missing = dir.path().join("no-such-folder").join("r.xlsx");
    for kind in [FileKind::Xlsx, FileKind::Csv] {
        let e = export::write(&table, &missing, kind, &mut |_| true).unwrap_err();
        assert!(!e.to_string().is_empty());
    }
    // An existing file is kept whole when an export over it is cancelled.
    let mut big = table.clone();
    big.rows = (0..5000).map(|_| table.rows[0].clone()).collect();
    let path = dir.path().join("keep.csv");
    std::fs::write(&path, "old").unwrap();
    let e = export::write(&big, &path, FileKind::Csv, &mut |n| n < 2000).unwrap_err();
    assert!(matches!(e, export::ExportError::Cancelled));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no partial file left"
    );
}
