//! Print template texts (en): the network's templates on order-hub, the
//! preview's buttons for them, print counts.
pub const TABLE: &[(&str, &str)] = &[
    ("rule.duplicate_field", "Each item may appear only once"),
    ("orders.col_prints", "Prints"),
    ("print.query_button", "Print this order"),
    ("orders.f_prints", "Printed"),
    ("export.col.prints", "Prints"),
    (
        "print.template.using_network",
        "Using the network default layout (version {v})",
    ),
    (
        "print.template.using_local",
        "Using this PC's adjusted layout",
    ),
    ("print.template.reset", "Restore network default"),
    ("print.template.publish", "Save as network default"),
    (
        "print.template.saved",
        "Saved as the network default (version {v}); every outlet uses it after its next sync",
    ),
    (
        "print.template.conflict",
        "Someone else changed the network default: the newer version {v} is loaded and your change was not saved. Adjust it again and save",
    ),
    (
        "print.template.save_failed",
        "Could not save the network default: {error}",
    ),
    (
        "print.template.unreadable",
        "This version cannot read the server's layout; please update the client",
    ),
    (
        "print.template.updated",
        "The network default layout is now version {v}; the preview was redrawn with it",
    ),
];
