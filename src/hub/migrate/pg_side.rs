//! `order-hub migrate`'s PostgreSQL end. The command is a plain sequence
//! of steps, so each call blocks on its own small runtime.

use std::collections::BTreeMap;

use tokio_postgres::Client;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::ToSql;

use super::catalog::Table;
use super::cell::{Cell, pg_type};
use super::{BATCH, Batch};
use crate::hub::pg;

pub struct PgSide {
    rt: tokio::runtime::Runtime,
    c: Client,
    label: String,
}

impl PgSide {
    pub fn connect(url: &str) -> Result<PgSide, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let c = rt.block_on(pg::connect(url))?;
        Ok(PgSide {
            rt,
            c,
            label: pg::redact(url),
        })
    }

    /// A source: must be at this order-hub's schema; read in one
    /// snapshot.
    pub fn source(url: &str) -> Result<PgSide, String> {
        let side = Self::connect(url)?;
        let at = side
            .rt
            .block_on(pg::schema::version(&side.c))
            .map_err(|e| side.err(e))?;
        let known = pg::schema::MIGRATIONS.len() as i64;
        if at != known {
            return Err(side.err(format!(
                "the database is at schema version {at}, this order-hub's is {known}"
            )));
        }
        side.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        Ok(side)
    }

    /// A target: migrated to this order-hub's schema.
    pub fn target(url: &str) -> Result<PgSide, String> {
        let mut side = Self::connect(url)?;
        let label = side.label.clone();
        side.rt
            .block_on(pg::schema::migrate(&mut side.c))
            .map_err(|e| format!("{label}: {e}"))?;
        Ok(side)
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    fn err(&self, e: impl std::fmt::Display) -> String {
        format!("{}: {e}", self.label)
    }

    fn batch(&self, sql: &str) -> Result<(), String> {
        self.rt
            .block_on(self.c.batch_execute(sql))
            .map_err(|e| self.err(e))
    }

    fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, String> {
        self.rt
            .block_on(self.c.query(sql, params))
            .map_err(|e| self.err(e))
    }

    /// Every table of the current schema and its columns (the migration
    /// runner's own `schema_version` left out).
    pub fn tables(&self) -> Result<BTreeMap<String, Vec<String>>, String> {
        let rows = self.query(
            "SELECT c.table_name::text, c.column_name::text
             FROM information_schema.columns c
             JOIN information_schema.tables t
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
               AND c.table_name <> 'schema_version'
             ORDER BY c.table_name, c.ordinal_position",
            &[],
        )?;
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in rows {
            out.entry(r.get(0)).or_default().push(r.get(1));
        }
        Ok(out)
    }

    pub fn rows_beyond_seed(&self, t: &Table) -> Result<i64, String> {
        let sql = format!(
            "SELECT count(*) FROM \"{}\" WHERE NOT ({})",
            t.name, t.seeded
        );
        Ok(self.query(&sql, &[])?[0].get(0))
    }

    pub fn begin(&self) -> Result<(), String> {
        self.batch("BEGIN")
    }

    pub fn commit(&self) -> Result<(), String> {
        self.batch("COMMIT")
    }

    /// Gathers the planner's statistics on every table.
    pub fn analyze(&self) -> Result<(), String> {
        self.batch("ANALYZE")
    }

    pub fn rollback(&self) {
        let _ = self.batch("ROLLBACK");
    }

    pub fn clear_seed(&self, t: &Table) -> Result<(), String> {
        self.batch(&format!("DELETE FROM \"{}\" WHERE {}", t.name, t.seeded))
    }

    /// Hands `t`'s rows to `sink` through a cursor, [`BATCH`] at a time
    /// (inside the open transaction).
    pub fn read(
        &self,
        t: &Table,
        sink: &mut dyn FnMut(&Batch) -> Result<(), String>,
    ) -> Result<(), String> {
        self.batch(&format!(
            "DECLARE copy_rows NO SCROLL CURSOR FOR SELECT {} FROM \"{}\"",
            t.column_list(),
            t.name
        ))?;
        loop {
            let rows = self.query(&format!("FETCH {BATCH} FROM copy_rows"), &[])?;
            if rows.is_empty() {
                break;
            }
            let batch = rows
                .iter()
                .map(|r| {
                    t.columns
                        .iter()
                        .enumerate()
                        .map(|(i, (col, kind))| Cell::from_pg(r, i, *kind, t.name, col))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Batch, _>>()
                .map_err(|e| self.err(e))?;
            sink(&batch)?;
        }
        self.batch("CLOSE copy_rows")
    }

    /// Copies `rows` into `t` with one binary COPY.
    pub fn write(&self, t: &Table, rows: &Batch) -> Result<(), String> {
        let types: Vec<_> = t.columns.iter().map(|(_, k)| pg_type(*k)).collect();
        let sql = format!(
            "COPY \"{}\" ({}) FROM STDIN BINARY",
            t.name,
            t.column_list()
        );
        self.rt
            .block_on(async {
                let sink = self.c.copy_in(&sql).await?;
                let writer = BinaryCopyInWriter::new(sink, &types);
                let mut writer = std::pin::pin!(writer);
                for row in rows {
                    let values: Vec<&(dyn ToSql + Sync)> =
                        row.iter().map(|c| c as &(dyn ToSql + Sync)).collect();
                    writer.as_mut().write(&values).await?;
                }
                writer.finish().await
            })
            .map(|_| ())
            .map_err(|e| self.err(format!("{}: {e}", t.name)))
    }

    /// Moves an identity column's counter past the copied rows, so the
    /// next row the hub adds gets the next number, as on SQLite.
    pub fn follow_identity(&self, t: &Table) -> Result<(), String> {
        let Some(col) = t.identity else {
            return Ok(());
        };
        self.query(
            &format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(\"{col}\"), 0) + 1, false) FROM \"{}\"",
                t.name
            ),
            &[&t.name, &col],
        )
        .map(|_| ())
    }
}
