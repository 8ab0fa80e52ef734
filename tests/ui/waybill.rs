//! 开单 and 价格方案 driven by visible text in iced_test's emulator, against
//! a real order-hub: a clerk bills an order from 阿里订单受理 and sees the
//! Ali discounts; an administrator imports a rate card with a bad cell,
//! sees it, fixes it and imports again.

use crate::common;
use crate::ui;

use std::time::Duration;

use outlet_desk::ui::application;
use serde_json::json;
use ui::{Env, Ui};

/// A heavy order (600 kg) pending at `outlet`.
fn order(env: &Env, no: &str, outlet: &str) {
    let mut body = common::inbound(no, &format!("acct-{no}"), "扬州", Some(outlet));
    body["cargo"]["weight_g"] = json!(600_000);
    common::place_order(&env.rt, &env.hub.url, &body);
}

fn log_in(ui: &mut Ui<impl iced_test::program::Program + 'static>, login: &str, pw: &str) {
    ui.log_in(login, pw, "网点选项");
}

#[test]
fn a_clerk_bills_an_order_and_sees_the_ali_discounts() {
    let env = Env::new();
    order(&env, "B-1", "JS-YZ-01");
    let mut ui = Ui::start(application(env.boot("yz")));
    log_in(&mut ui, "yz.clerk", common::DEMO_PW);
    assert!(ui.wait_for("B-1", Duration::from_secs(15)));
    // 开单 on the selected (pending, own) order: the form comes pre-filled
    // and the local quote shows both Ali discounts with their reasons.
    ui.click("开单 (B)");
    assert!(
        ui.wait_for("− 阿里订单免收综合服务费", Duration::from_secs(15)),
        "the service-fee discount with its reason"
    );
    ui.click("请输入运单号");
    ui.type_text("12345678");
    assert!(
        ui.wait_for(
            "− 市区网点20公里内超500公斤免费接货",
            Duration::from_secs(5)
        ),
        "600 kg near an urban outlet: pickup is free"
    );
    ui.click("开单(S)");
    let o = env.wait_status("B-1", "billed");
    assert_eq!(o["billing_outlet_code"], "JS-YZ");
    assert_eq!(o["waybill_no"], "12345678");
    let codes: Vec<&str> = o["waybill"]["discounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["ALI_SERVICE_FEE", "ALI_FREE_PICKUP"]);
    assert!(
        ui.wait_for("已开单：运单号 12345678", Duration::from_secs(20)),
        "the screen shows it billed"
    );
}

#[test]
fn an_admin_imports_a_rate_card_with_a_bad_cell_then_fixes_it() {
    let env = Env::new();
    let mut ui = Ui::start(application(env.boot("admin")));
    log_in(&mut ui, "admin", common::ADMIN_PW);
    ui.click("价格方案");
    assert!(ui.wait_for("查询", Duration::from_secs(10)));
    let head = "id,product_code,origin_province,origin_city,dest_province,dest_city,dest_district,via_province,via_city,min_charge_fen,effective_from,effective_to,tier1_from_weight_g,tier1_heavy_fen_per_kg,tier1_from_volume_cm3,tier1_light_fen_per_m3";
    let row = |city: &str, heavy: &str| {
        format!(",JZKH,江苏省,,西藏自治区,{city},,,,5000,2026-01-01,,0,{heavy},0,90000")
    };
    let path = env.dir.path().join("card.csv");
    std::fs::write(
        &path,
        format!(
            "{head}\n{}\n{}\n",
            row("拉萨", "500"),
            row("日喀则", "五百")
        ),
    )
    .unwrap();
    ui.click("文件路径（.xlsx 或 .csv）");
    ui.type_text(path.to_str().unwrap());
    ui.click("导入");
    assert!(
        ui.wait_for(
            "第 3 行 tier1_heavy_fen_per_kg：必须是整数",
            Duration::from_secs(15)
        ),
        "the bad cell, by row and column"
    );
    ui.expect("导入失败，价格方案没有任何改动：");
    // Fixed in the file, imported again.
    std::fs::write(
        &path,
        format!("{head}\n{}\n{}\n", row("拉萨", "500"), row("日喀则", "520")),
    )
    .unwrap();
    ui.click("导入");
    assert!(
        ui.wait_for("已导入：新增 2 条，更新 0 条", Duration::from_secs(15)),
        "imported"
    );
}
