//! 打印机 texts (zh-CN): the printer panel, calibration and how a job ended.
pub const TABLE: &[(&str, &str)] = &[
    ("printer.refresh", "刷新"),
    ("printer.listing", "正在查找打印机…"),
    (
        "printer.not_running",
        "打印服务（CUPS）没有运行：请启动打印服务，或先另存为PDF",
    ),
    ("printer.list_failed", "无法列出打印机：{error}"),
    ("printer.state", "状态：{state}"),
    ("printer.calibration", "校准"),
    (
        "printer.calibration_hint",
        "只保存在本机，只在发送到这台打印机时生效；另存为PDF不受影响。",
    ),
    ("printer.offset_x", "水平偏移"),
    ("printer.offset_y", "垂直偏移"),
    ("printer.scale", "缩放"),
    ("printer.left", "左移0.5"),
    ("printer.right", "右移0.5"),
    ("printer.up", "上移0.5"),
    ("printer.down", "下移0.5"),
    ("printer.shrink", "缩0.5%"),
    ("printer.grow", "放0.5%"),
    ("printer.reset", "恢复默认"),
    ("printer.cal_print", "打印校准页"),
    (
        "printer.cal_sent",
        "校准页已打印（{printer}，作业 {job}）。量出十字中心到纸边的距离和尺子的长度，再调整上面的值。",
    ),
    ("printer.cal_page.title", "打印机校准页"),
    (
        "printer.cal_page.offset",
        "左上角十字的中心应距纸的左边、上边各 {inset} mm，右下角十字应距右边、下边各 {inset} mm。量得偏右（偏下）几毫米，就把水平（垂直）偏移减少几毫米；偏左（偏上）则增加。",
    ),
    (
        "printer.cal_page.scale",
        "尺子应长 {ruler} mm。若量得 L mm，把缩放改为 当前值 × {ruler} ÷ L。",
    ),
    ("printer.following", "已发送到 {printer}，正在等待打印完成…"),
    (
        "printer.completed",
        "打印完成：{printer} 已打完作业 {job}，共 {pages} 页。",
    ),
    (
        "printer.job_stopped",
        "作业 {job} 停在打印机 {printer} 的队列中（{reason}），没有打印完。请检查打印机；这批单据仍在，可重新打印或另存为PDF。",
    ),
    (
        "printer.aborted",
        "打印系统中止了作业 {job}（{reason}），没有打印完。这批单据仍在，可重新打印或另存为PDF。",
    ),
    (
        "printer.cancelled",
        "作业 {job} 已被取消，没有打印完。这批单据仍在，可重新打印或另存为PDF。",
    ),
    (
        "printer.timeout",
        "作业 {job} 5分钟内没有打印完，请查看打印机。这批单据仍在，可另存为PDF。",
    ),
    ("printer.no_reason", "没有给出原因"),
    ("printer.missing", "找不到打印系统，请另存为PDF。"),
];
