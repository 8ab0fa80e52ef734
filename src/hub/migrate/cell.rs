//! One stored value in engine-neutral form, the conversions from and to
//! each engine, and the per-table checksum both sides compute alike.

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use super::catalog::Kind;

/// A value as both engines can hold it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Bool(bool),
    Real(f64),
    Text(String),
    Time(DateTime<Utc>),
    Date(NaiveDate),
    Json(serde_json::Value),
}

/// What went wrong reading one value.
fn bad(table: &str, column: &str, what: impl std::fmt::Display) -> String {
    format!("{table}.{column}: {what}")
}

impl Cell {
    /// Reads column `i` of a SQLite row as `kind`.
    pub fn from_sqlite(
        r: &rusqlite::Row<'_>,
        i: usize,
        kind: Kind,
        table: &str,
        column: &str,
    ) -> Result<Cell, String> {
        use rusqlite::types::ValueRef as V;
        let v = r.get_ref(i).map_err(|e| bad(table, column, e))?;
        let text = |b: &[u8]| {
            std::str::from_utf8(b)
                .map(str::to_owned)
                .map_err(|e| bad(table, column, e))
        };
        Ok(match (kind, v) {
            (_, V::Null) => Cell::Null,
            (Kind::Text, V::Text(b)) => Cell::Text(text(b)?),
            (Kind::Int, V::Integer(n)) => Cell::Int(n),
            (Kind::Bool, V::Integer(n)) => Cell::Bool(n != 0),
            (Kind::Real, V::Real(f)) => Cell::Real(f),
            (Kind::Real, V::Integer(n)) => Cell::Real(n as f64),
            (Kind::Time, V::Text(b)) => {
                let s = text(b)?;
                Cell::Time(
                    DateTime::parse_from_rfc3339(&s)
                        .map_err(|e| bad(table, column, format!("{s:?}: {e}")))?
                        .with_timezone(&Utc),
                )
            }
            (Kind::Date, V::Text(b)) => {
                let s = text(b)?;
                Cell::Date(
                    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                        .map_err(|e| bad(table, column, format!("{s:?}: {e}")))?,
                )
            }
            (Kind::Json | Kind::JsonText, V::Text(b)) => Cell::Json(
                serde_json::from_slice(b).map_err(|e| bad(table, column, format!("JSON: {e}")))?,
            ),
            (kind, v) => {
                return Err(bad(
                    table,
                    column,
                    format!("a {:?} value where {kind:?} belongs", v.data_type()),
                ));
            }
        })
    }

    /// Reads column `i` of a PostgreSQL row as `kind`.
    pub fn from_pg(
        r: &tokio_postgres::Row,
        i: usize,
        kind: Kind,
        table: &str,
        column: &str,
    ) -> Result<Cell, String> {
        let e = |e: tokio_postgres::Error| bad(table, column, e);
        let cell = match kind {
            Kind::Text => r
                .try_get::<_, Option<String>>(i)
                .map_err(e)?
                .map(Cell::Text),
            Kind::Int => r.try_get::<_, Option<i64>>(i).map_err(e)?.map(Cell::Int),
            Kind::Bool => r.try_get::<_, Option<bool>>(i).map_err(e)?.map(Cell::Bool),
            Kind::Real => r.try_get::<_, Option<f64>>(i).map_err(e)?.map(Cell::Real),
            Kind::Time => r
                .try_get::<_, Option<DateTime<Utc>>>(i)
                .map_err(e)?
                .map(Cell::Time),
            Kind::Date => r
                .try_get::<_, Option<NaiveDate>>(i)
                .map_err(e)?
                .map(Cell::Date),
            Kind::Json | Kind::JsonText => r
                .try_get::<_, Option<serde_json::Value>>(i)
                .map_err(e)?
                .map(Cell::Json),
        };
        Ok(cell.unwrap_or(Cell::Null))
    }

    /// The canonical bytes the checksum hashes: what both engines keep
    /// alike. Booleans count as 0/1, times at microseconds (PostgreSQL's
    /// precision), JSON with its keys sorted and no spaces.
    fn canonical(&self, out: &mut Vec<u8>) {
        match self {
            Cell::Null => out.push(b'N'),
            Cell::Int(n) => {
                out.push(b'I');
                out.extend_from_slice(&n.to_le_bytes());
            }
            Cell::Bool(b) => {
                out.push(b'I');
                out.extend_from_slice(&i64::from(*b).to_le_bytes());
            }
            Cell::Real(f) => {
                out.push(b'R');
                out.extend_from_slice(&f.to_bits().to_le_bytes());
            }
            Cell::Text(s) => {
                out.push(b'T');
                out.extend_from_slice(&(s.len() as u64).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            Cell::Time(t) => {
                out.push(b'S');
                out.extend_from_slice(&micros(t).to_le_bytes());
            }
            Cell::Date(d) => {
                out.push(b'D');
                out.extend_from_slice(&i64::from(d.num_days_from_ce()).to_le_bytes());
            }
            Cell::Json(v) => {
                out.push(b'J');
                let mut s = String::new();
                canonical_json(v, &mut s);
                out.extend_from_slice(&(s.len() as u64).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        }
    }
}

use chrono::Datelike;

/// Microseconds since 2000-01-01, truncated as PostgreSQL stores them.
fn micros(t: &DateTime<Utc>) -> i64 {
    let base = DateTime::<Utc>::from_timestamp(946_684_800, 0).unwrap_or_default();
    (*t - base).num_microseconds().unwrap_or(i64::MAX)
}

/// `v` with object keys sorted at every depth (jsonb keeps its own key
/// order, SQLite the writer's).
fn canonical_json(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical_json(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A table's row count and checksum: the sum of each row's SHA-256 (its
/// first 128 bits), so the engines' different row orders give the same
/// figure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checksum {
    pub rows: u64,
    sum: u128,
}

impl Checksum {
    pub fn add(&mut self, row: &[Cell]) {
        let mut bytes = Vec::with_capacity(256);
        for c in row {
            c.canonical(&mut bytes);
        }
        let digest = Sha256::digest(&bytes);
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(first));
        self.rows += 1;
    }

    pub fn hex(&self) -> String {
        format!("{:032x}", self.sum)
    }
}

impl rusqlite::ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value};
        Ok(match self {
            Cell::Null => ToSqlOutput::Owned(Value::Null),
            Cell::Int(n) => ToSqlOutput::Owned(Value::Integer(*n)),
            Cell::Bool(b) => ToSqlOutput::Owned(Value::Integer(i64::from(*b))),
            Cell::Real(f) => ToSqlOutput::Owned(Value::Real(*f)),
            Cell::Text(s) => ToSqlOutput::Borrowed(s.as_str().into()),
            // As the hub writes them (`DateTime::to_rfc3339`).
            Cell::Time(t) => ToSqlOutput::Owned(Value::Text(t.to_rfc3339())),
            Cell::Date(d) => ToSqlOutput::Owned(Value::Text(d.format("%Y-%m-%d").to_string())),
            Cell::Json(v) => ToSqlOutput::Owned(Value::Text(v.to_string())),
        })
    }
}

impl tokio_postgres::types::ToSql for Cell {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        // Each inner value checks the column's type itself.
        match self {
            Cell::Null => Ok(tokio_postgres::types::IsNull::Yes),
            Cell::Int(n) => n.to_sql_checked(ty, out),
            Cell::Bool(b) => b.to_sql_checked(ty, out),
            Cell::Real(f) => f.to_sql_checked(ty, out),
            Cell::Text(s) => s.to_sql_checked(ty, out),
            Cell::Time(t) => t.to_sql_checked(ty, out),
            Cell::Date(d) => d.to_sql_checked(ty, out),
            Cell::Json(v) => v.to_sql_checked(ty, out),
        }
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// The PostgreSQL type a column of `kind` has (the copy's binary format
/// needs it).
pub fn pg_type(kind: Kind) -> tokio_postgres::types::Type {
    use tokio_postgres::types::Type;
    match kind {
        Kind::Text => Type::TEXT,
        Kind::Int => Type::INT8,
        Kind::Bool => Type::BOOL,
        Kind::Real => Type::FLOAT8,
        Kind::Time => Type::TIMESTAMPTZ,
        Kind::Date => Type::DATE,
        Kind::Json => Type::JSONB,
        Kind::JsonText => Type::JSON,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(rows: &[Vec<Cell>]) -> Checksum {
        let mut c = Checksum::default();
        for r in rows {
            c.add(r);
        }
        c
    }

    fn json(s: &str) -> Cell {
        Cell::Json(serde_json::from_str(s).expect("json"))
    }

    #[test]
    fn json_checksums_alike_whatever_its_key_order_and_spacing() {
        let sqlite = json(r#"{"b": 1, "a": {"y": [1, 2.5, "x"], "x": null}}"#);
        let jsonb = json(r#"{"a":{"x":null,"y":[1,2.5,"x"]},"b":1}"#);
        assert_eq!(sum(&[vec![sqlite]]), sum(&[vec![jsonb]]));
        assert_ne!(
            sum(&[vec![json(r#"{"a": 1}"#)]]),
            sum(&[vec![json(r#"{"a": 2}"#)]])
        );
    }

    #[test]
    fn a_table_checksums_alike_in_any_row_order_but_not_with_a_row_changed() {
        let a = vec![Cell::Text("HQ".into()), Cell::Int(1), Cell::Null];
        let b = vec![Cell::Text("JS".into()), Cell::Bool(true), Cell::Real(1.5)];
        assert_eq!(sum(&[a.clone(), b.clone()]), sum(&[b.clone(), a.clone()]));
        let changed = vec![Cell::Text("JS".into()), Cell::Bool(false), Cell::Real(1.5)];
        assert_ne!(sum(&[a.clone(), b]), sum(&[a, changed]));
    }

    #[test]
    fn times_compare_at_microseconds_and_booleans_as_zero_or_one() {
        let t = |s: &str| {
            Cell::Time(
                DateTime::parse_from_rfc3339(s)
                    .expect("time")
                    .with_timezone(&Utc),
            )
        };
        // SQLite keeps nanoseconds, PostgreSQL microseconds.
        assert_eq!(
            sum(&[vec![t("2026-11-30T01:02:03.123456789+00:00")]]),
            sum(&[vec![t("2026-11-30T09:02:03.123456+08:00")]])
        );
        assert_ne!(
            sum(&[vec![t("2026-11-30T01:02:03.123456+00:00")]]),
            sum(&[vec![t("2026-11-30T01:02:03.123457+00:00")]])
        );
        assert_eq!(sum(&[vec![Cell::Bool(true)]]), sum(&[vec![Cell::Int(1)]]));
    }
}
