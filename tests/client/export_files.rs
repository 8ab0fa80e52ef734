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

mod lists {
    //! The order list's export: streamed from a real cache file in chunks,
    //! read back with calamine and as CSV.

    use std::sync::atomic::{AtomicBool, Ordering};

    use calamine::{Data, Reader, Xlsx, open_workbook};
    use chrono::{TimeZone, Utc};
    use outlet_desk::api::ChangesPage;
    use outlet_desk::domain::params::ClientParams;
    use outlet_desk::domain::{Order, OutletTree, Status};
    use outlet_desk::export::{self, ExportError, Failure, FileKind, Rows};
    use outlet_desk::hub::demo::{Dice, demo_order};
    use outlet_desk::i18n::Lang;
    use outlet_desk::store::{ListFilter, PageQuery, SortOrder, Store};
    use outlet_desk::ui::screen::orders::export::{OrderRows, columns};

    fn outlet(code: &str, parent: Option<&str>) -> outlet_desk::domain::Outlet {
        use outlet_desk::domain::{Outlet, OutletKind};
        let kind = if parent.is_none() {
            OutletKind::Hq
        } else {
            OutletKind::Outlet
        };
        Outlet {
            code: code.into(),
            name: format!("网点{code}"),
            ..Outlet::blank(kind, parent)
        }
    }

    /// A cache with HQ, 扬州 (YZ) and 南京 (NJ) under it, and `n` orders
    /// spread over the three places and two statuses.
    fn cache(dir: &std::path::Path, n: usize) -> (Store, OutletTree, Vec<Order>) {
        let (store, _) = Store::open(&dir.join("cache.db")).unwrap();
        let mut outlets = vec![
            outlet("HQ", None),
            outlet("YZ", Some("HQ")),
            outlet("NJ", Some("HQ")),
        ];
        outlets[1].name = "扬州办事处".into();
        store.replace_outlets(1, &outlets).unwrap();
        let mut dice = Dice::seeded(7);
        let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let orders: Vec<Order> = (0..n)
            .map(|i| {
                let at = start + chrono::Duration::minutes((i % 500) as i64);
                let place = ["YZ", "NJ", "HQ"][i % 3];
                let mut o = demo_order(&mut dice, at).into_order(Some(place.into()), at);
                o.order_no = format!("T{i:05}");
                o.status = if i % 4 == 0 {
                    Status::Accepted
                } else {
                    Status::Pending
                };
                o.shipper.name = format!("张三{i}");
                o
            })
            .collect();
        for page in orders.chunks(1000) {
            store
                .apply_page(&ChangesPage {
                    orders: page.to_vec(),
                    removed: Vec::new(),
                    cursor: "1.t".into(),
                    more: false,
                    server_time: Utc::now(),
                    params_revision: 0,
                    rate_revision: 0,
                })
                .unwrap();
        }
        (store, OutletTree::new(outlets), orders)
    }

    fn yz_pending() -> PageQuery {
        PageQuery {
            filter: ListFilter::Subtree("YZ".into()),
            status: Some(Status::Pending),
            sort: SortOrder::NewestFirst,
            offset: 0,
            limit: 50,
        }
    }

    fn export(
        store: &Store,
        tree: &OutletTree,
        q: PageQuery,
        path: &std::path::Path,
        kind: FileKind,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, ExportError> {
        let mut rows = OrderRows::new(store.clone(), q, Lang::ZhCn, tree, &ClientParams::default());
        export::run(
            path,
            kind,
            "阿里订单受理",
            &columns(Lang::ZhCn),
            &mut rows as &mut dyn Rows,
            cancel,
            progress,
        )
    }

    #[test]
    fn the_filtered_list_exports_every_page_with_its_chinese() {
        let dir = tempfile::tempdir().unwrap();
        let (store, tree, orders) = cache(dir.path(), 3000);
        // What 扬州办事处's pending list holds, newest first.
        let mut want: Vec<&Order> = orders
            .iter()
            .filter(|o| {
                o.current_outlet_code.as_deref() == Some("YZ") && o.status == Status::Pending
            })
            .collect();
        want.sort_by_key(|o| std::cmp::Reverse((o.created_at, o.order_no.clone())));
        assert!(want.len() > 700, "more than 14 pages of 50");

        let path = dir.path().join("阿里订单受理-2026-11-29.xlsx");
        let mut seen = Vec::new();
        let n = export(
            &store,
            &tree,
            yz_pending(),
            &path,
            FileKind::Xlsx,
            &AtomicBool::new(false),
            &mut |n| seen.push(n),
        )
        .unwrap();
        assert_eq!(n as usize, want.len());
        assert_eq!(seen.last().copied(), Some(n), "progress reached the end");
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let sheet = wb.worksheet_range("阿里订单受理").unwrap();
        let rows: Vec<_> = sheet.rows().collect();
        assert_eq!(rows[0][0], Data::String("订单号".into()));
        assert_eq!(rows[0][10], Data::String("发货人电话".into()));
        let got: Vec<String> = rows[1..].iter().map(|r| r[0].to_string()).collect();
        let expected: Vec<String> = want.iter().map(|o| o.order_no.clone()).collect();
        assert_eq!(
            got, expected,
            "all of the list's rows, in its order, no others"
        );
        let first = rows[1];
        assert_eq!(first[3], Data::String("待受理".into()));
        assert_eq!(first[6], Data::String("扬州办事处".into()));
        assert_eq!(first[9], Data::String(want[0].shipper.name.clone()));
        assert_eq!(first[10], Data::String(want[0].shipper.phone.clone()));
        // Placed in China time: 2026-11-01 00:00 UTC + minutes is 08:xx.
        let placed = want[0]
            .created_at
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        assert_eq!(first[4], Data::String(placed));
        assert_eq!(first[16], Data::Float(want[0].cargo.pieces as f64));
        assert_eq!(
            first[17],
            Data::Float(want[0].cargo.weight_g as f64 / 1000.0),
            "kg as a number"
        );

        // The same list as CSV: the BOM, the Chinese, one line per order.
        let csv = dir.path().join("阿里订单受理.csv");
        export(
            &store,
            &tree,
            yz_pending(),
            &csv,
            FileKind::Csv,
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .unwrap();
        let bytes = std::fs::read(&csv).unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), want.len() + 1);
        assert!(
            lines[0].starts_with("订单号,物流编号,运单号,状态"),
            "{}",
            lines[0]
        );
        assert!(lines[1].contains("扬州办事处"), "{}", lines[1]);
        assert!(lines[1].starts_with(&want[0].order_no), "{}", lines[1]);
    }

    #[test]
    fn a_cancel_leaves_no_file_and_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let (store, tree, _) = cache(dir.path(), 3000);
        let all = PageQuery {
            filter: ListFilter::All,
            status: None,
            sort: SortOrder::OldestFirst,
            offset: 0,
            limit: 50,
        };
        for kind in [FileKind::Xlsx, FileKind::Csv] {
            let path = dir.path().join(format!("old.{kind:?}"));
            std::fs::write(&path, "the export of last week").unwrap();
            let cancel = AtomicBool::new(false);
            let mut chunks = 0;
            let r = export(
                &store,
                &tree,
                all.clone(),
                &path,
                kind,
                &cancel,
                &mut |_| {
                    chunks += 1;
                    // The clerk presses 取消导出 after the first chunk.
                    cancel.store(true, Ordering::Relaxed);
                },
            );
            assert!(matches!(r, Err(ExportError::Cancelled)), "{r:?}");
            assert_eq!(chunks, 1, "stopped at the next chunk");
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                "the export of last week"
            );
            let left: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains("partial") || n.starts_with(".tmp"))
                .collect();
            assert!(left.is_empty(), "{left:?}");
        }
    }

    #[test]
    fn a_missing_folder_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let (store, tree, _) = cache(dir.path(), 10);
        for kind in [FileKind::Xlsx, FileKind::Csv] {
            let path = dir.path().join("gone").join("x.file");
            let r = export(
                &store,
                &tree,
                yz_pending(),
                &path,
                kind,
                &AtomicBool::new(false),
                &mut |_| {},
            );
            let e = r.unwrap_err();
            assert_eq!(e.failure(), Some(Failure::FolderGone), "{e:?}");
        }
    }
}

/// 网点管理 and 员工管理: the outlets the tree shows under its search (with
/// their ancestors, in tree order) and the staff found, never a password.
#[test]
fn outlets_and_staff_export_what_their_lists_show() {
    use outlet_desk::domain::{Outlet, OutletKind, OutletTree, Role, Staff};
    use outlet_desk::ui::export_lists;
    use std::sync::atomic::AtomicBool;
    let o = |c: &str, k, p: Option<&str>, n: &str| Outlet {
        code: c.into(),
        name: n.into(),
        phone: "0514-1234567".into(),
        ..Outlet::blank(k, p)
    };
    let tree = OutletTree::new([
        o("HQ", OutletKind::Hq, None, "总公司"),
        o("JS", OutletKind::Branch, Some("HQ"), "江苏分公司"),
        o("JS-YZ", OutletKind::Office, Some("JS"), "扬州办事处"),
        o("JS-NJ", OutletKind::Office, Some("JS"), "南京办事处"),
        o("ZJ", OutletKind::Branch, Some("HQ"), "浙江分公司"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let read = |path: &std::path::Path, sheet: &str| -> Vec<Vec<String>> {
        let mut wb: Xlsx<_> = open_workbook(path).unwrap();
        wb.worksheet_range(sheet)
            .unwrap()
            .rows()
            .map(|r| r.iter().map(ToString::to_string).collect())
            .collect()
    };
    let run = |req: outlet_desk::ui::export::Request, path: &std::path::Path| {
        let mut rows = req.rows;
        export::run(
            path,
            FileKind::Xlsx,
            &req.title,
            &req.columns,
            rows.as_mut(),
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .unwrap()
    };
    let path = dir.path().join("网点.xlsx");
    assert_eq!(
        run(export_lists::outlets(&tree, "扬州", Lang::ZhCn), &path),
        3
    );
    let rows = read(&path, "网点管理");
    let names: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names, ["总公司", "江苏分公司", "扬州办事处"]);
    assert_eq!(rows[3][3], "江苏分公司", "the parent by name");
    assert_eq!(rows[3][2], "办事处");
    assert_eq!(rows[3][8], "0514-1234567");
    let all = dir.path().join("全部网点.xlsx");
    assert_eq!(run(export_lists::outlets(&tree, "", Lang::ZhCn), &all), 5);

    let staff = vec![Staff {
        login: "yz.clerk".into(),
        name: "王小明".into(),
        outlet_code: "JS-YZ".into(),
        role: Role::Clerk,
        phone: "13800000000".into(),
        active: true,
        version: 1,
    }];
    let path = dir.path().join("员工.xlsx");
    assert_eq!(run(export_lists::staff(staff, &tree, Lang::ZhCn), &path), 1);
    let rows = read(&path, "员工管理");
    assert_eq!(
        rows[0],
        [
            "登录名",
            "姓名",
            "所属网点",
            "网点编码",
            "角色",
            "电话",
            "启用"
        ]
    );
    assert_eq!(
        rows[1],
        [
            "yz.clerk",
            "王小明",
            "扬州办事处",
            "JS-YZ",
            "网点受理员",
            "13800000000",
            "是"
        ]
    );
    assert!(
        !rows[0].iter().any(|h| h.contains("密码")),
        "no password column"
    );
}
