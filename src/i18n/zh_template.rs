//! Print template texts (zh-CN): the network's templates on order-hub, the
//! preview's buttons for them, 打印次数.
pub const TABLE: &[(&str, &str)] = &[
    ("rule.duplicate_field", "同一项目只能出现一次"),
    // Two lines in the narrow column, never "打印次/数".
    ("orders.col_prints", "打印 / 次数"),
    ("print.query_button", "打印此订单"),
    ("orders.f_prints", "打印次数"),
    ("export.col.prints", "打印次数"),
    (
        "print.template.using_network",
        "使用网络默认版式（第{v}版）",
    ),
    ("print.template.using_local", "使用本机调整的版式"),
    ("print.template.reset", "恢复网络默认"),
    ("print.template.publish", "保存为网络默认"),
    (
        "print.template.saved",
        "已保存为网络默认（第{v}版），各网点同步后即使用此版式",
    ),
    (
        "print.template.conflict",
        "网络默认已被他人修改，已载入较新的第{v}版；您的修改未保存，请在此基础上重新调整后再保存",
    ),
    ("print.template.save_failed", "保存网络默认失败：{error}"),
    (
        "print.template.unreadable",
        "服务器的版式本版本无法识别，请升级客户端",
    ),
    (
        "print.template.updated",
        "网络默认版式已更新为第{v}版，预览已按新版式重绘",
    ),
];
