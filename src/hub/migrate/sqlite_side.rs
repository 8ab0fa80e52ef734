//! `order-hub migrate`'s SQLite end: a hub.db read in one snapshot, or a
//! new one written in one transaction.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::Connection;

use super::catalog::Table;
use super::cell::Cell;
use super::{BATCH, Batch};

pub struct SqliteSide {
    c: Connection,
    label: String,
}

impl SqliteSide {
    /// A source: read-only, every table read inside one transaction (a
    /// hub still running beside the copy cannot tear it).
    pub fn source(path: &Path) -> Result<SqliteSide, String> {
        let label = format!("sqlite:{}", path.display());
        if !path.is_file() {
            return Err(format!("{label}: no such database file"));
        }
        let c = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("{label}: {e}"))?;
        c.execute_batch("PRAGMA busy_timeout=5000; BEGIN")
            .map_err(|e| format!("{label}: {e}"))?;
        Ok(SqliteSide { c, label })
    }

    /// A target: created and migrated as order-hub would, then written in
    /// one transaction.
    pub fn target(path: &Path) -> Result<SqliteSide, String> {
        let label = format!("sqlite:{}", path.display());
        // Owner-only from the start, as the hub keeps its own (password
        // hashes, customers' phones).
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private_files::private_dir(dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        crate::private_files::private_file(path).map_err(|e| format!("{label}: {e}"))?;
        let c = crate::hub::db::open(path)?;
        Ok(SqliteSide { c, label })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    fn err(&self, e: impl std::fmt::Display) -> String {
        format!("{}: {e}", self.label)
    }

    /// Every table and its columns (SQLite's own bookkeeping left out).
    pub fn tables(&self) -> Result<BTreeMap<String, Vec<String>>, String> {
        let names: Vec<String> = self
            .c
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            )
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| self.err(e))?;
        let mut out = BTreeMap::new();
        for name in names {
            let cols: Vec<String> = self
                .c
                .prepare("SELECT name FROM pragma_table_info(?1)")
                .and_then(|mut st| st.query_map([&name], |r| r.get(0))?.collect())
                .map_err(|e| self.err(e))?;
            out.insert(name, cols);
        }
        Ok(out)
    }

    /// Rows of `t` other than what the schema itself seeds.
    pub fn rows_beyond_seed(&self, t: &Table) -> Result<i64, String> {
        let sql = format!(
            "SELECT count(*) FROM \"{}\" WHERE NOT ({})",
            t.name, t.seeded
        );
        self.c
            .query_row(&sql, [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    pub fn begin(&self) -> Result<(), String> {
        self.c.execute_batch("BEGIN").map_err(|e| self.err(e))
    }

    pub fn commit(&self) -> Result<(), String> {
        self.c.execute_batch("COMMIT").map_err(|e| self.err(e))
    }

    pub fn rollback(&self) {
        let _ = self.c.execute_batch("ROLLBACK");
    }

    /// Removes the rows the schema seeded into `t` (the copy brings the
    /// source's).
    pub fn clear_seed(&self, t: &Table) -> Result<(), String> {
        self.c
            .execute(
                &format!("DELETE FROM \"{}\" WHERE {}", t.name, t.seeded),
                [],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Hands `t`'s rows to `sink`, [`BATCH`] at a time.
    pub fn read(
        &self,
        t: &Table,
        sink: &mut dyn FnMut(&Batch) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut st = self
            .c
            .prepare(&format!("SELECT {} FROM \"{}\"", t.column_list(), t.name))
            .map_err(|e| self.err(e))?;
        let mut rows = st.query([]).map_err(|e| self.err(e))?;
        let mut batch: Batch = Vec::with_capacity(BATCH);
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let row = t
                .columns
                .iter()
                .enumerate()
                .map(|(i, (col, kind))| Cell::from_sqlite(r, i, *kind, t.name, col))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.err(e))?;
            batch.push(row);
            if batch.len() == BATCH {
                sink(&batch)?;
                batch.clear();
            }
        }
        if !batch.is_empty() {
            sink(&batch)?;
        }
        Ok(())
    }

    /// Inserts `rows` into `t` (inside the open transaction).
    pub fn write(&self, t: &Table, rows: &Batch) -> Result<(), String> {
        let marks = (1..=t.columns.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut st = self
            .c
            .prepare_cached(&format!(
                "INSERT INTO \"{}\" ({}) VALUES ({marks})",
                t.name,
                t.column_list()
            ))
            .map_err(|e| self.err(e))?;
        for row in rows {
            st.execute(rusqlite::params_from_iter(row.iter()))
                .map_err(|e| self.err(format!("{}: {e}", t.name)))?;
        }
        Ok(())
    }
}
