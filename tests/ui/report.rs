//! 报表 → 阿里巴巴成交比 in the real client against a demo hub with billed
//! orders: the admin opens it, sees every column and the branches, drills
//! down to a branch and sees the orders behind a number.

use crate::common;
use crate::ui;

use outlet_desk::hub::EmbeddedHub;
use outlet_desk::ui::application;
use ui::Ui;

#[test]
fn the_admin_opens_the_report_and_drills_down() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(&dir.path().join("hub"), true);
    // The demo's orders, some billed, some 代开, come with a generator rate.
    cfg.demo_rate = 6;
    let hub = EmbeddedHub::spawn(cfg).unwrap();
    let mut ui = Ui::start(application(ui::boot(&dir.path().join("admin"), &hub.url)));
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
    ui.click("上月");
    ui.expect("浙江分公司");
    // 导出Excel to a typed path: the file is there and reads back.
    ui.click("本月");
    let file = dir.path().join("成交比.xlsx");
    ui.click("保存路径（留空则弹出保存对话框）");
    ui.type_text(&file.display().to_string());
    ui.click("导出Excel");
    ui.expect(&format!("已导出到 {}", file.display()));
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&file).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut wb, "阿里巴巴成交比").unwrap();
    let names: Vec<String> = sheet.rows().map(|r| r[0].to_string()).collect();
    assert!(names.contains(&"江苏分公司".to_owned()), "{names:?}");
    // To a folder that does not exist: it says so.
    ui.click(&file.display().to_string());
    ui.type_text("/no-such-folder/x.csv");
    ui.click("导出CSV");
    ui.expect("导出失败，文件未写入。");
}
