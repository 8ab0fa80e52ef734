//! Every table the hub stores, with its columns as both engines hold them:
//! what `order-hub migrate` copies. A table or column either side has and
//! this list lacks stops the copy (it would otherwise be lost silently).

/// What a column holds, whichever engine stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    /// SQLite 0/1, PostgreSQL boolean.
    Bool,
    Real,
    /// SQLite RFC 3339 text, PostgreSQL timestamptz.
    Time,
    /// SQLite `YYYY-MM-DD`, PostgreSQL date.
    Date,
    /// SQLite JSON text, PostgreSQL jsonb.
    Json,
    /// SQLite JSON text, PostgreSQL json (order bodies: read as text).
    JsonText,
}

/// One table.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    /// An SQL condition selecting the rows the schema itself writes into
    /// a new database (`false`: none); the copy replaces them with the
    /// source's, and they do not make a target count as holding data.
    pub seeded: &'static str,
    /// Copied only with `--with-sessions`.
    pub sessions: bool,
    /// Hubs older than the table's migration lack it; such a source has
    /// nothing to copy into it.
    pub newer: bool,
    /// A column numbered by the database (SQLite AUTOINCREMENT,
    /// PostgreSQL identity) whose counter must follow the copied rows.
    pub identity: Option<&'static str>,
}

use Kind::*;

const fn table(name: &'static str, columns: &'static [(&'static str, Kind)]) -> Table {
    Table {
        name,
        columns,
        seeded: "false",
        sessions: false,
        newer: false,
        identity: None,
    }
}

/// The hub's tables, in copy order (none refers to another by a
/// constraint, so any order would do).
pub const TABLES: &[Table] = &[
    Table {
        seeded: "key = 'outlet_since_floor'",
        ..table("meta", &[("key", Text), ("value", Text)])
    },
    table(
        "outlets",
        &[
            ("code", Text),
            ("name", Text),
            ("kind", Text),
            ("parent_code", Text),
            ("province", Text),
            ("city", Text),
            ("district", Text),
            ("address", Text),
            ("phone", Text),
            ("urban", Bool),
            ("latitude", Real),
            ("longitude", Real),
            ("accepts_ali_orders", Bool),
            ("active", Bool),
            ("version", Int),
            ("updated_at", Time),
            ("revision", Int),
        ],
    ),
    table("outlets_removed", &[("code", Text), ("revision", Int)]),
    table("outlet_closure", &[("code", Text), ("anc", Text)]),
    table(
        "staff",
        &[
            ("login", Text),
            ("name", Text),
            ("outlet_code", Text),
            ("role", Text),
            ("phone", Text),
            ("active", Bool),
            ("password_hash", Text),
            ("version", Int),
            ("updated_at", Time),
        ],
    ),
    Table {
        sessions: true,
        ..table(
            "sessions",
            &[("token", Text), ("login", Text), ("expires_at", Time)],
        )
    },
    table(
        "parameters",
        &[
            ("key", Text),
            ("value", Json),
            ("updated_by", Text),
            ("updated_at", Time),
        ],
    ),
    table(
        "orders",
        &[
            ("order_no", Text),
            ("seq", Int),
            ("status", Text),
            ("current_outlet_code", Text),
            ("accepting_outlet_code", Text),
            ("billing_outlet_code", Text),
            ("created_at", Time),
            ("body", JsonText),
        ],
    ),
    table(
        "order_outlets",
        &[("order_no", Text), ("outlet_code", Text)],
    ),
    Table {
        identity: Some("seq"),
        ..table(
            "order_events",
            &[
                ("seq", Int),
                ("order_no", Text),
                ("at", Time),
                ("actor_login", Text),
                ("outlet_code", Text),
                ("action", Text),
                ("from_status", Text),
                ("to_status", Text),
                ("reason_code", Text),
                ("note", Text),
            ],
        )
    },
    table(
        "order_scope",
        &[
            ("anc", Text),
            ("status", Text),
            ("created_at", Time),
            ("order_no", Text),
        ],
    ),
    // SQLite's index migration counts the (zero) waiting orders.
    Table {
        seeded: "n = 0",
        ..table(
            "scope_count",
            &[("anc", Text), ("status", Text), ("n", Int)],
        )
    },
    table(
        "order_feed",
        &[("anc", Text), ("order_no", Text), ("seq", Int)],
    ),
    table(
        "idempotency",
        &[
            ("key", Text),
            ("login", Text),
            ("request", Text),
            ("status", Int),
            ("response", Text),
            ("created_at", Time),
        ],
    ),
    table(
        "dispatch_memory",
        &[
            ("ali_account", Text),
            ("outlet_code", Text),
            ("updated_at", Time),
        ],
    ),
    Table {
        seeded: "true",
        ..table(
            "products",
            &[
                ("code", Text),
                ("name", Text),
                ("mode", Text),
                ("haul", Text),
                ("position", Int),
            ],
        )
    },
    Table {
        identity: Some("id"),
        ..table(
            "rate_lines",
            &[
                ("id", Int),
                ("product_code", Text),
                ("dest_key", Text),
                ("retired", Bool),
                ("version", Int),
                ("body", Json),
                ("updated_at", Time),
            ],
        )
    },
    table(
        "rate_line_history",
        &[
            ("id", Int),
            ("version", Int),
            ("body", Json),
            ("at", Time),
            ("by", Text),
        ],
    ),
    table(
        "waybills",
        &[
            ("waybill_no", Text),
            ("order_no", Text),
            ("billing_outlet_code", Text),
            ("billed_by", Text),
            ("billed_at", Time),
            ("rate_line_id", Int),
            ("rate_line_version", Int),
            ("params_revision", Int),
            ("published_fen", Int),
            ("discount_fen", Int),
            ("total_fen", Int),
            ("body", Json),
        ],
    ),
    table(
        "report_entry",
        &[
            ("order_no", Text),
            ("day", Date),
            ("holder", Text),
            ("resp", Text),
            ("billed_for", Text),
            ("valid", Bool),
            ("billed", Bool),
            ("returned", Bool),
            ("pickup_failed", Bool),
            ("cancelled", Bool),
            ("open", Bool),
            ("discount_fen", Int),
        ],
    ),
    table(
        "report_day",
        &[
            ("anc", Text),
            ("day", Date),
            ("valid", Int),
            ("billed", Int),
            ("for_others", Int),
            ("by_others", Int),
            ("returned", Int),
            ("pickup_failed", Int),
            ("cancelled", Int),
            ("open", Int),
            ("discount_fen", Int),
        ],
    ),
    Table {
        newer: true,
        ..table(
            "print_templates",
            &[
                ("document", Text),
                ("body", Json),
                ("version", Int),
                ("updated_by", Text),
                ("updated_at", Time),
            ],
        )
    },
];

impl Table {
    /// The column list, quoted for either engine.
    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(c, _)| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Compares the tables one side has (name → columns) with [`TABLES`]:
/// `Err` naming what this order-hub would not copy, or what it expects
/// and the side lacks.
pub fn check(
    side: &str,
    found: &std::collections::BTreeMap<String, Vec<String>>,
) -> Result<(), String> {
    let mut problems = Vec::new();
    for (name, cols) in found {
        let Some(t) = TABLES.iter().find(|t| t.name == name) else {
            problems.push(format!(
                "table {name} is not one this order-hub copies (its rows would be lost)"
            ));
            continue;
        };
        for c in cols {
            if !t.columns.iter().any(|(k, _)| k == c) {
                problems.push(format!(
                    "column {name}.{c} is not one this order-hub copies (it would be lost)"
                ));
            }
        }
        for (k, _) in t.columns {
            if !cols.iter().any(|c| c == k) {
                problems.push(format!("column {name}.{k} is missing"));
            }
        }
    }
    for t in TABLES.iter().filter(|t| !t.newer) {
        if !found.contains_key(t.name) {
            problems.push(format!("table {} is missing", t.name));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{side}: the schema is not the one this order-hub knows (start this order-hub once on an older database to upgrade it):\n  {}",
            problems.join("\n  ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn all() -> BTreeMap<String, Vec<String>> {
        TABLES
            .iter()
            .map(|t| {
                let cols = t.columns.iter().map(|(c, _)| c.to_string()).collect();
                (t.name.to_owned(), cols)
            })
            .collect()
    }

    #[test]
    fn a_table_or_column_nobody_copies_stops_the_copy() {
        assert_eq!(check("x", &all()), Ok(()));
        let mut extra = all();
        extra.insert("print_jobs".into(), vec!["id".into()]);
        let err = check("x", &extra).expect_err("unknown table");
        assert!(err.contains("print_jobs"), "{err}");
        let mut column = all();
        column.get_mut("orders").expect("orders").push("eta".into());
        let err = check("x", &column).expect_err("unknown column");
        assert!(err.contains("orders.eta"), "{err}");
        let mut older = all();
        older.remove("print_templates");
        assert_eq!(check("x", &older), Ok(()), "a newer table may be absent");
        older.remove("waybills");
        assert!(check("x", &older).is_err(), "an older schema is not copied");
    }
}
