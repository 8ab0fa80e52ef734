//! Printer texts (en): the printer panel, calibration and how a job ended.
pub const TABLE: &[(&str, &str)] = &[
    ("printer.refresh", "Refresh"),
    ("printer.listing", "Looking for printers…"),
    (
        "printer.not_running",
        "the printing service (CUPS) is not running: start it, or save as PDF for now",
    ),
    ("printer.list_failed", "Cannot list the printers: {error}"),
    ("printer.state", "State: {state}"),
    ("printer.calibration", "Calibration"),
    (
        "printer.calibration_hint",
        "Kept on this PC only, applied only when sending to this printer; Save as PDF is not affected.",
    ),
    ("printer.offset_x", "Horizontal"),
    ("printer.offset_y", "Vertical"),
    ("printer.scale", "Scale"),
    ("printer.left", "Left 0.5"),
    ("printer.right", "Right 0.5"),
    ("printer.up", "Up 0.5"),
    ("printer.down", "Down 0.5"),
    ("printer.shrink", "−0.5%"),
    ("printer.grow", "+0.5%"),
    ("printer.reset", "Reset"),
    ("printer.cal_print", "Print calibration page"),
    (
        "printer.cal_sent",
        "Calibration page printed ({printer}, job {job}). Measure the crosshairs from the paper's edges and the ruler's length, then adjust the values above.",
    ),
    ("printer.cal_page.title", "Printer calibration page"),
    (
        "printer.cal_page.offset",
        "The top-left crosshair's centre should be {inset} mm from the left and top edges, the bottom-right one {inset} mm from the right and bottom edges. If it is N mm too far right (down), lower the horizontal (vertical) offset by N; too far left (up), raise it.",
    ),
    (
        "printer.cal_page.scale",
        "The ruler should be {ruler} mm long. If you measure L mm, set the scale to the current value × {ruler} ÷ L.",
    ),
    (
        "printer.following",
        "Sent to {printer}; waiting for it to finish…",
    ),
    (
        "printer.completed",
        "Printed: {printer} finished job {job}, {pages} pages.",
    ),
    (
        "printer.job_stopped",
        "Job {job} is stopped in the queue of {printer} ({reason}) and did not print. Check the printer; the batch is still here to print again or save as PDF.",
    ),
    (
        "printer.aborted",
        "The printing system aborted job {job} ({reason}); it did not print. The batch is still here to print again or save as PDF.",
    ),
    (
        "printer.cancelled",
        "Job {job} was cancelled before it printed. The batch is still here to print again or save as PDF.",
    ),
    (
        "printer.timeout",
        "Job {job} did not finish within 5 minutes; please check the printer. The batch is still here to save as PDF.",
    ),
    ("printer.no_reason", "no reason given"),
    (
        "printer.missing",
        "No printing system found; please save as PDF.",
    ),
];
