//! 报表 → 阿里巴巴成交比 in the real client against a demo hub with billed
//! orders: the admin opens it, sees every column and the branches, drills
//! down to a branch, lists the orders behind a number page by page, opens
//! one, exports the list; and the last answer opens again offline.

use crate::common;
use crate::ui;

use std::time::Duration;

use outlet_desk::api::report::ReportColumn;
use outlet_desk::domain::report::{Preset, china_day};
use outlet_desk::hub::EmbeddedHub;
use outlet_desk::sync::HubClient;
use outlet_desk::sync::report_client::RowPart;
use outlet_desk::ui::application;
use ui::Ui;

fn demo_hub(dir: &std::path::Path) -> EmbeddedHub {
    let mut cfg = common::config(&dir.join("hub"), true);
    // The demo's orders, some billed, some 代开, come with a generator rate.
    cfg.demo_rate = 6;
    EmbeddedHub::spawn(cfg).unwrap()
}

/// The month whose report the test reads, with its button: this month,
/// unless the hub counts no valid order under 江苏分公司 (JS) in it yet.
/// The demo's first orders are spread over the five hours before it
/// started, so in the first hours of a month (China time) some or all of
/// them are last month's.
fn month_with_js_orders(url: &str) -> (Preset, &'static str) {
    if js_valid(url, Preset::ThisMonth).0 > 0 {
        (Preset::ThisMonth, "本月")
    } else {
        (Preset::LastMonth, "上月")
    }
}

/// `preset`'s valid orders under 江苏分公司 (JS) as the hub counts them,
/// and the first of them (none: empty).
fn js_valid(url: &str, preset: Preset) -> (i64, String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = HubClient::new(url, Default::default()).unwrap();
        let s = c.login("admin", common::ADMIN_PW).await.unwrap();
        let c = c.with_token(Some(s.token));
        let period = preset.period(china_day(chrono::Utc::now()));
        let r = c.ali_conversion(period, Some("JS")).await.unwrap();
        let first = c
            .report_orders(
                period,
                &RowPart::Subtree("JS".into()),
                ReportColumn::Valid,
                1,
                0,
            )
            .await
            .unwrap();
        let first = first.orders.first().map(|o| o.order_no.clone());
        (r.total.valid, first.unwrap_or_default())
    })
}

#[test]
fn the_admin_opens_the_report_and_drills_down() {
    let dir = tempfile::tempdir().unwrap();
    let hub = demo_hub(dir.path());
    let mut ui = Ui::start(application(ui::boot(&dir.path().join("admin"), &hub.url)));
    let (month, month_button) = month_with_js_orders(&hub.url);
    let other_month = if month == Preset::ThisMonth {
        "上月"
    } else {
        "本月"
    };
    ui.log_in("admin", common::ADMIN_PW, "网点选项");
    ui.click("阿里巴巴成交比");
    for column in [
        "有效单",
        "已开单",
        "成交比",
        "代开",
        "被代开",
        "打回",
        "揽收失败",
        "已撤销",
        "在途",
        "阿里优惠合计",
    ] {
        ui.expect(column);
    }
    ui.expect("江苏分公司");
    ui.expect("总部订单池");
    ui.expect("各网点成交比");
    ui.expect("每日成交比");
    // Drill down: 江苏分公司's offices become the rows.
    ui.click("江苏分公司");
    ui.expect("扬州办事处");
    ui.expect("南京办事处");

    // Back up the path, then another period.
    ui.click("总公司");
    ui.expect("浙江分公司");
    ui.click(other_month);
    ui.expect("浙江分公司");
    // 导出Excel to a typed path: the file is there and reads back.
    ui.click(month_button);
    let file = dir.path().join("成交比.xlsx");
    ui.click("保存路径（留空则弹出保存对话框）");
    ui.type_text(&file.display().to_string());
    ui.click("导出Excel");
    ui.expect(&format!("已导出到 {}", file.display()));
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&file).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut wb, "阿里巴巴成交比").unwrap();
    let names: Vec<String> = sheet.rows().map(|r| r[0].to_string()).collect();
    assert!(names.contains(&"江苏分公司".to_owned()), "{names:?}");
    // Closed before the drill-down exports over this file: Windows refuses
    // to replace a file that is still open (as with Excel holding it).
    drop(wb);
    ui.click("江苏分公司");
    ui.expect("扬州办事处");
    // A double-click on the branch's valid count lists its orders, a page
    // at a time, outlets by name. (The demo places an order every 10 s, so
    // the count is read from the hub just before the desk asks again.)
    let mut asked = None;
    for _ in 0..5 {
        let (valid, first) = js_valid(&hub.url, month);
        ui.click("江苏分公司");
        if ui.wait_for(&valid.to_string(), Duration::from_secs(5)) {
            asked = Some((valid, first));
            break;
        }
    }
    let (valid, first) = asked.expect("the desk shows the hub's count");
    assert!(valid > 0, "the demo has valid orders in 江苏 in {month:?}");
    ui.double_click(&valid.to_string());
    assert!(ui.wait_for("江苏分公司 · 有效单", Duration::from_secs(10)));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let listed = loop {
        if let Some(n) = (valid..valid + 3).find(|n| ui.sees(&format!("共 {n} 张订单"))) {
            break n;
        }
        assert!(std::time::Instant::now() < deadline, "共 {valid} 张订单");
        ui.wait_for("never shown", Duration::from_millis(200));
    };
    let on_first = listed.min(200);
    ui.expect(&format!("第 1–{on_first} 张"));
    if listed > 200 {
        ui.click("下一页");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !(listed..listed + 3).any(|n| ui.sees(&format!("第 201–{} 张", n.min(400)))) {
            assert!(std::time::Instant::now() < deadline, "the second page");
            ui.wait_for("never shown", Duration::from_millis(200));
        }
        ui.click("上一页");
        assert!(ui.wait_for(&format!("第 1–{on_first} 张"), Duration::from_secs(10)));
    }
    // An order opens in the orders screen's detail.
    ui.click(&first);
    assert!(ui.wait_for(&format!("订单 {first}"), Duration::from_secs(10)));
    ui.expect("发货人");
    // The whole list exports, not only the page (over the report's file).
    let list = file.clone();
    ui.click("导出Excel");
    assert!(ui.wait_for(
        &format!("已导出到 {}", list.display()),
        Duration::from_secs(20)
    ));
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&list).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut wb, "成交比明细").unwrap();
    let nos: Vec<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert!(nos.len() as i64 >= listed, "{} < {listed}", nos.len());
    assert!(nos.contains(&first));
    let places: Vec<String> = sheet.rows().skip(1).map(|r| r[3].to_string()).collect();
    assert!(
        places
            .iter()
            .all(|p| p.contains('(') && !p.starts_with('(')),
        "outlets named beside their codes: {places:?}"
    );
    ui.click("返回报表");
    ui.expect("扬州办事处");

    // To a folder that does not exist: it says so.
    ui.click(&file.display().to_string());
    ui.type_text("/no-such-folder/x.csv");
    ui.click("导出CSV");
    ui.expect("导出失败，文件未写入。");
}

#[test]
fn the_last_answer_opens_offline_with_its_age_and_the_folder_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let hub = demo_hub(dir.path());
    let url = hub.url.clone();
    let desk = dir.path().join("admin");
    let mut ui = Ui::start(application(ui::boot(&desk, &url)));
    ui.log_in("admin", common::ADMIN_PW, "网点选项");
    ui.click("阿里巴巴成交比");
    assert!(ui.wait_for("江苏分公司", Duration::from_secs(20)));
    let fetched = chrono::Utc::now();
    let folder = dir.path().join("exports");
    std::fs::create_dir(&folder).unwrap();
    ui.click("保存路径（留空则弹出保存对话框）");
    ui.type_text(&folder.join("r.csv").display().to_string());
    ui.click("导出CSV");
    assert!(ui.wait_for(
        &format!("已导出到 {}", folder.join("r.csv").display()),
        Duration::from_secs(20)
    ));

    // The server goes away; the desk starts again and logs in offline.
    drop(ui);
    drop(hub);
    let mut ui = Ui::start(application(ui::boot(&desk, &url)));
    ui.click("admin"); // pre-filled with the last login
    ui.click("请输入密码");
    ui.type_text(common::ADMIN_PW);
    ui.enter();
    ui.expect("无法连接服务器，请检查网络后重试。");
    ui.click("离线查看本地数据");
    assert!(ui.wait_for("阿里巴巴成交比", Duration::from_secs(20)));
    ui.click("阿里巴巴成交比");
    // The answer fetched before, with when it was fetched and how long ago.
    // (The desk took its time a moment before this test did.)
    let banners: Vec<String> = [fetched, fetched - chrono::Duration::seconds(10)]
        .iter()
        .flat_map(|at| {
            let at = *at + chrono::Duration::hours(8);
            (0..=1).map(move |minutes| {
                format!(
                    "连不上服务器，显示的是 {} 的结果（{minutes} 分钟前）。",
                    at.format("%m-%d %H:%M")
                )
            })
        })
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !banners.iter().any(|b| ui.sees(b)) {
        assert!(
            std::time::Instant::now() < deadline,
            "expected one of {banners:?}"
        );
        ui.wait_for("never shown", Duration::from_millis(200));
    }
    ui.expect("江苏分公司");
    ui.expect("各网点成交比");
    drop(ui);
    // The save dialog opens where the last export went (read off the
    // window's thread, as the desk itself reads its cache).
    let kept = std::thread::spawn(move || {
        let db = outlet_desk::config::Paths::resolve(Some(desk))
            .unwrap()
            .cache_db();
        let (store, _) = outlet_desk::store::Store::open(&db).unwrap();
        store.export_folder().unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(kept, Some(folder));
}
