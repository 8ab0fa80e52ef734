//! The client cache's side of the scope index ([`crate::scope_index`]):
//! the HQ pool is the root (and orders at no or an unknown outlet).

use rusqlite::Connection;

use crate::scope_index::{self as index, Layout};
pub(super) use crate::scope_index::{ALL, Indexer, Keyed, POOL, WAITING};

use super::StoreError;

const LAYOUT: Layout = Layout {
    closure: index::closure_sql!(
        "SELECT code, '' FROM outlets WHERE parent_code IS NULL OR parent_code = ''"
    ),
    keyed: "SELECT order_no, status, created_at, contacted, current_outlet_code AS cur,
                   billing_outlet_code AS bill FROM orders",
    feed: false,
};

/// Index writes within one transaction.
pub(super) fn indexer(c: &Connection) -> Indexer<'_> {
    Indexer::new(c, &LAYOUT)
}

/// The migration: the billing outlet as a column, and the index's tables.
pub(super) fn schema() -> String {
    format!(
        "ALTER TABLE orders ADD COLUMN billing_outlet_code TEXT NOT NULL DEFAULT '';
         UPDATE orders SET billing_outlet_code = coalesce(json_extract(body, '$.billing_outlet_code'), '');
         {}",
        index::schema("INTEGER")
    )
}

/// The migration's backfill.
pub(super) fn rebuild(c: &Connection) -> rusqlite::Result<()> {
    index::rebuild(c, &LAYOUT)?;
    keep_tops(c)
}

/// The network's tops: outlets with no parent, and parents the cache does
/// not hold (a clerk's network may start below HQ). The closure lists every
/// order with a known outlet under one of them, and the rest under the
/// pool, so together they list the whole cache.
const TOPS: &str = "SELECT code FROM outlets WHERE coalesce(parent_code, '') = ''
    UNION SELECT parent_code FROM outlets
    WHERE coalesce(parent_code, '') <> '' AND parent_code NOT IN (SELECT code FROM outlets)";

const TOPS_KEY: &str = "scope_tops";

/// Stores the tops with the closure they were read from: every write of
/// the network ends here, and a list reads them per page.
pub(super) fn keep_tops(c: &Connection) -> rusqlite::Result<()> {
    let tops: Vec<String> = c
        .prepare(TOPS)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let json = serde_json::to_string(&tops)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    c.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [TOPS_KEY, json.as_str()],
    )?;
    Ok(())
}

/// The ancestors whose lists together hold every cached order (an order
/// may be under two of them: a list merges them without repeats): the
/// network's tops and the pool.
pub(super) fn whole(c: &Connection) -> Result<Vec<String>, StoreError> {
    let kept: Option<String> = super::get_meta(c, TOPS_KEY)?;
    let mut tops: Vec<String> = match kept.and_then(|j| serde_json::from_str(&j).ok()) {
        Some(t) => t,
        // Not kept (or unreadable): read, slower but the same answer.
        None => c
            .prepare_cached(TOPS)?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
    };
    tops.push(POOL.to_owned());
    Ok(tops)
}

pub(super) fn rebuild_orders(c: &Connection) -> Result<(), StoreError> {
    Ok(index::rebuild_orders(c, &LAYOUT)?)
}

/// [`rebuild_orders`] from a bulk load's keys gathered in memory.
pub(super) fn rebuild_gathered(
    c: &Connection,
    keys: &crate::scope_sorted::Gathered,
) -> Result<(), StoreError> {
    Ok(crate::scope_sorted::rebuild_gathered(c, keys)?)
}

pub(super) fn clear_orders(c: &Connection) -> Result<(), StoreError> {
    Ok(index::clear_orders(c)?)
}

pub(super) fn refresh_closure(c: &Connection) -> Result<(), StoreError> {
    index::refresh_closure(c, &LAYOUT)?;
    Ok(keep_tops(c)?)
}

pub(super) fn count(c: &Connection, anc: &str, status: &str) -> Result<i64, StoreError> {
    Ok(index::count(c, anc, status)?)
}

/// The stored index columns of `order_no`, if cached.
pub(super) fn stored(c: &Connection, order_no: &str) -> Result<Option<(i64, Keyed)>, StoreError> {
    use rusqlite::OptionalExtension;
    let mut st = c.prepare_cached(
        "SELECT version, status, created_at, contacted, current_outlet_code, billing_outlet_code
         FROM orders WHERE order_no = ?1",
    )?;
    Ok(st
        .query_row([order_no], |r| {
            Ok((
                r.get(0)?,
                Keyed {
                    order_no: order_no.to_owned(),
                    status: r.get(1)?,
                    created_at: r.get(2)?,
                    contacted: r.get(3)?,
                    current: r.get(4)?,
                    billing: r.get(5)?,
                },
            ))
        })
        .optional()?)
}

#[cfg(test)]
mod tests {
    use crate::domain::Status;
    use crate::store::{ListFilter, PageQuery, SortOrder, Store};

    /// A cache written before the index existed is indexed when it opens:
    /// its orders, 代开 included, are in every list they belong to.
    #[test]
    fn an_older_cache_is_indexed_when_it_opens() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cache.db");
        {
            let mut c = rusqlite::Connection::open(&path).expect("db");
            super::super::migrations()
                .to_version(&mut c, 6)
                .expect("old schema");
            c.execute_batch(
                "INSERT INTO outlets(code, parent_code, name, body) VALUES
                   ('HQ', NULL, 'HQ', '{}'), ('B', 'HQ', 'B', '{}'), ('X', 'B', 'X', '{}'), ('Y', 'HQ', 'Y', '{}');",
            )
            .expect("outlets");
            let mut at = 0;
            for (no, outlet, billing, status) in [
                ("o-1", Some("X"), None, Status::Pending),
                ("o-2", Some("Y"), Some("X"), Status::Billed),
                ("o-3", None, None, Status::Pending),
                ("o-4", Some("X"), Some("B"), Status::Accepted),
            ] {
                let mut o = crate::domain::order::tests::sample(no, outlet);
                o.billing_outlet_code = billing.map(str::to_owned);
                o.status = status;
                at += 1;
                o.created_at += chrono::Duration::minutes(at);
                c.execute(
                    "INSERT INTO orders(order_no, version, status, current_outlet_code, created_at, contacted, body)
                     VALUES (?1, 1, ?2, ?3, ?4, 0, ?5)",
                    rusqlite::params![
                        no,
                        status.as_str(),
                        outlet.unwrap_or_default(),
                        o.created_at.timestamp_millis(),
                        serde_json::to_string(&o).expect("json")
                    ],
                )
                .expect("order");
            }
        }
        let (store, problem) = Store::open(&path).expect("open");
        assert!(problem.is_none());
        let list = |filter: ListFilter| {
            let (rows, total) = store
                .page(&PageQuery {
                    filter,
                    status: None,
                    sort: SortOrder::OldestFirst,
                    offset: 0,
                    limit: 50,
                })
                .expect("page");
            let nos: Vec<String> = rows.into_iter().map(|r| r.order.order_no).collect();
            (nos, total)
        };
        assert_eq!(
            list(ListFilter::Subtree("B".into())),
            (vec!["o-1".into(), "o-2".into(), "o-4".into()], 3),
            "o-2 is billed by X, below B"
        );
        assert_eq!(
            list(ListFilter::Subtree("Y".into())),
            (vec!["o-2".into()], 1)
        );
        assert_eq!(
            list(ListFilter::Pool {
                hq_code: "HQ".into()
            }),
            (vec!["o-3".into()], 1)
        );
        assert_eq!(list(ListFilter::All).1, 4);
        assert_eq!(store.uncontacted().expect("waiting"), 2);
    }
}
