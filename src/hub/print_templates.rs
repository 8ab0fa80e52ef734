//! The network's print templates in the hub database: a row per document
//! an administrator changed; the others are their built-in layout at
//! version 1.

use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::print::{Document, Layout};

/// The version of a document no administrator changed yet.
pub const FIRST_VERSION: i64 = 1;

/// `document`'s template and its version.
pub fn get(c: &Connection, document: Document) -> rusqlite::Result<(Layout, i64)> {
    let row: Option<(String, i64)> = c
        .prepare_cached("SELECT body, version FROM print_templates WHERE document = ?1")?
        .query_row([document.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(stored(document, row))
}

/// `document`'s template from its stored row (body JSON and version), on
/// either engine; the built-in layout at [`FIRST_VERSION`] without one.
pub fn stored(document: Document, row: Option<(String, i64)>) -> (Layout, i64) {
    match row {
        // A body this version cannot read (written by a newer hub) prints
        // with the default, but keeps its version so a write still needs
        // to have seen it.
        Some((body, version)) => (
            serde_json::from_str::<Layout>(&body)
                .ok()
                .filter(|l| l.document == document)
                .map_or_else(|| Layout::default_for(document), Layout::sanitized),
            version,
        ),
        None => (Layout::default_for(document), FIRST_VERSION),
    }
}

/// Every document's template, in menu order.
pub fn all(c: &Connection) -> rusqlite::Result<Vec<(Layout, i64)>> {
    Document::ALL.into_iter().map(|d| get(c, d)).collect()
}

/// Replaces `layout`'s document's template if it is still at `expected`;
/// `false` when the version moved on (nothing written).
pub fn put(c: &Connection, layout: &Layout, expected: i64, by: &str) -> rusqlite::Result<bool> {
    let (_, current) = get(c, layout.document)?;
    if current != expected {
        return Ok(false);
    }
    let body = serde_json::to_string(layout)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    c.execute(
        "INSERT INTO print_templates(document, body, version, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(document) DO UPDATE SET body = excluded.body, version = excluded.version,
           updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        params![
            layout.document.as_str(),
            body,
            expected + 1,
            by,
            chrono::Utc::now().to_rfc3339()
        ],
    )?;
    super::db::settings_changed(c)?;
    Ok(true)
}
