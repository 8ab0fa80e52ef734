//! `order-hub migrate --from … --to …` (issue 15): copies a hub's whole
//! database between SQLite and PostgreSQL, into an empty target only,
//! then checks every table's row count and checksum on both sides before
//! committing. Every table either side has must be one [`catalog`] knows,
//! so a table added later and not listed stops the copy instead of being
//! left behind.

pub mod catalog;
pub mod cell;
mod pg_side;
mod sqlite_side;

use std::path::PathBuf;

use catalog::{TABLES, Table};
use cell::{Cell, Checksum};
use pg_side::PgSide;
use sqlite_side::SqliteSide;

/// Rows per read and per COPY / insert batch.
const BATCH: usize = 5000;

type Batch = Vec<Vec<Cell>>;

/// One end of a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `sqlite:PATH` (a hub.db).
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`.
    Postgres(String),
}

impl std::str::FromStr for Endpoint {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(path) = s.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err("sqlite: needs a path (sqlite:DIR/hub.db)".into());
            }
            Ok(Endpoint::Sqlite(PathBuf::from(path)))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(Endpoint::Postgres(s.to_owned()))
        } else {
            Err(format!(
                "{}: expected sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE",
                crate::hub::pg::redact(s)
            ))
        }
    }
}

/// What to copy.
#[derive(Debug, Clone)]
pub struct Options {
    pub from: Endpoint,
    pub to: Endpoint,
    /// Copy live sessions too (else everyone logs in again).
    pub with_sessions: bool,
}

/// One table's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableReport {
    pub table: &'static str,
    /// `None`: not copied (sessions without `--with-sessions`, or a
    /// table the source's hub predates).
    pub copied: Option<(Checksum, Checksum)>,
    pub note: &'static str,
}

impl TableReport {
    /// One line of the printed report.
    pub fn line(&self) -> String {
        match &self.copied {
            Some((from, to)) => format!(
                "{:<18} {:>10} {:>10}  {}  {}",
                self.table,
                from.rows,
                to.rows,
                from.hex(),
                to.hex()
            ),
            None => format!("{:<18} skipped: {}", self.table, self.note),
        }
    }
}

/// The report's heading line.
pub const HEADING: &str =
    "table                    from         to  checksum (from)                   checksum (to)";

enum Side {
    Sqlite(SqliteSide),
    Pg(PgSide),
}

impl Side {
    fn label(&self) -> &str {
        match self {
            Side::Sqlite(s) => s.label(),
            Side::Pg(p) => p.label(),
        }
    }
    fn tables(&self) -> Result<std::collections::BTreeMap<String, Vec<String>>, String> {
        match self {
            Side::Sqlite(s) => s.tables(),
            Side::Pg(p) => p.tables(),
        }
    }
    fn rows_beyond_seed(&self, t: &Table) -> Result<i64, String> {
        match self {
            Side::Sqlite(s) => s.rows_beyond_seed(t),
            Side::Pg(p) => p.rows_beyond_seed(t),
        }
    }
    fn begin(&self) -> Result<(), String> {
        match self {
            Side::Sqlite(s) => s.begin(),
            Side::Pg(p) => p.begin(),
        }
    }
    fn commit(&self) -> Result<(), String> {
        match self {
            Side::Sqlite(s) => s.commit(),
            Side::Pg(p) => p.commit(),
        }
    }
    fn rollback(&self) {
        match self {
            Side::Sqlite(s) => s.rollback(),
            Side::Pg(p) => p.rollback(),
        }
    }
    fn clear_seed(&self, t: &Table) -> Result<(), String> {
        match self {
            Side::Sqlite(s) => s.clear_seed(t),
            Side::Pg(p) => p.clear_seed(t),
        }
    }
    fn read(
        &self,
        t: &Table,
        sink: &mut dyn FnMut(&Batch) -> Result<(), String>,
    ) -> Result<(), String> {
        match self {
            Side::Sqlite(s) => s.read(t, sink),
            Side::Pg(p) => p.read(t, sink),
        }
    }
    fn write(&self, t: &Table, rows: &Batch) -> Result<(), String> {
        match self {
            Side::Sqlite(s) => s.write(t, rows),
            Side::Pg(p) => p.write(t, rows),
        }
    }
    fn follow_identity(&self, t: &Table) -> Result<(), String> {
        match self {
            // SQLite moves an AUTOINCREMENT counter past inserted ids itself.
            Side::Sqlite(_) => Ok(()),
            Side::Pg(p) => p.follow_identity(t),
        }
    }
}

/// Runs the copy; on success every copied table's counts and checksums
/// agree and the target holds them. On any failure the target is left as
/// it was.
pub fn run(opts: &Options) -> Result<Vec<TableReport>, String> {
    let source = match &opts.from {
        Endpoint::Sqlite(p) => Side::Sqlite(SqliteSide::source(p)?),
        Endpoint::Postgres(url) => Side::Pg(PgSide::source(url)?),
    };
    let source_tables = source.tables()?;
    catalog::check(source.label(), &source_tables)?;
    let target = match &opts.to {
        Endpoint::Sqlite(p) => {
            if opts.from == opts.to {
                return Err("--from and --to are the same database".into());
            }
            Side::Sqlite(SqliteSide::target(p)?)
        }
        Endpoint::Postgres(url) => Side::Pg(PgSide::target(url)?),
    };
    let target_tables = target.tables()?;
    catalog::check(target.label(), &target_tables)?;
    for t in TABLES.iter().filter(|t| target_tables.contains_key(t.name)) {
        let n = target.rows_beyond_seed(t)?;
        if n > 0 {
            return Err(format!(
                "{}: not empty ({} holds {n} rows); migrate only writes into a new database",
                target.label(),
                t.name
            ));
        }
    }
    target.begin()?;
    let copied = copy_all(opts, &source, &source_tables, &target, &target_tables);
    match copied {
        Ok(reports) if reports.iter().all(agrees) => {
            target.commit()?;
            // A bulk copy leaves PostgreSQL without statistics until
            // autovacuum comes by: a branch's feed page took 294 ms
            // instead of about 20 until then.
            if let Side::Pg(p) = &target {
                p.analyze()?;
            }
            Ok(reports)
        }
        Ok(reports) => {
            target.rollback();
            let lines: Vec<String> = reports.iter().map(TableReport::line).collect();
            Err(format!(
                "the copy does not match its source; nothing was kept:\n{HEADING}\n{}",
                lines.join("\n")
            ))
        }
        Err(e) => {
            target.rollback();
            Err(format!("{e}\nnothing was kept in {}", target.label()))
        }
    }
}

fn agrees(r: &TableReport) -> bool {
    r.copied.is_none_or(|(from, to)| from == to)
}

fn copy_all(
    opts: &Options,
    source: &Side,
    source_tables: &std::collections::BTreeMap<String, Vec<String>>,
    target: &Side,
    target_tables: &std::collections::BTreeMap<String, Vec<String>>,
) -> Result<Vec<TableReport>, String> {
    let mut reports = Vec::new();
    for t in TABLES {
        let skip = if t.sessions && !opts.with_sessions {
            Some("--with-sessions copies them (else everyone logs in again)")
        } else if !source_tables.contains_key(t.name) {
            Some("the source's order-hub predates this table")
        } else if !target_tables.contains_key(t.name) {
            let mut rows = 0;
            source.read(t, &mut |batch| {
                rows += batch.len();
                Ok(())
            })?;
            if rows > 0 {
                return Err(format!(
                    "{} has no table {} for the source's {rows} rows: migrate with the order-hub that wrote them",
                    target.label(),
                    t.name
                ));
            }
            Some("the target's schema predates this table (the source's is empty)")
        } else {
            None
        };
        if let Some(note) = skip {
            reports.push(TableReport {
                table: t.name,
                copied: None,
                note,
            });
            continue;
        }
        target.clear_seed(t)?;
        let mut from = Checksum::default();
        source.read(t, &mut |batch| {
            for row in batch {
                from.add(row);
            }
            target.write(t, batch)
        })?;
        target.follow_identity(t)?;
        // Read back what the target now holds, the same way.
        let mut to = Checksum::default();
        target.read(t, &mut |batch| {
            for row in batch {
                to.add(row);
            }
            Ok(())
        })?;
        reports.push(TableReport {
            table: t.name,
            copied: Some((from, to)),
            note: "",
        });
    }
    Ok(reports)
}
