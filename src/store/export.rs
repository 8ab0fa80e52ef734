//! The order list read for export: every order the list holds, in its
//! order, a chunk at a time. Each chunk starts after the last one's sort
//! key (created_at, order_no), read straight from an index, so chunk 100
//! costs what chunk 1 did and an order arriving meanwhile shifts nothing.

use rusqlite::{Connection, params_from_iter, types::Value};

use super::orders::{ListFilter, PageQuery, SortOrder, scope_of};
use super::{Store, StoreError};
use crate::domain::{Order, Status};

/// Where a list's next chunk starts: the last row's sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub created_at_ms: i64,
    pub order_no: String,
}

impl Store {
    /// Up to `limit` orders of the list `q` (its filter, status and sort;
    /// offset and limit are ignored) after `after`, in the list's order.
    /// Orders that left the user's view are left out of a status list, as
    /// the list itself leaves them out (it pins them above page one).
    /// Also returns the last key read, where the next chunk starts (`None`:
    /// nothing was left).
    pub fn export_chunk(
        &self,
        q: &PageQuery,
        after: Option<&After>,
        limit: i64,
    ) -> Result<(Vec<Order>, Option<After>), StoreError> {
        self.with(|conn| {
            let c: &Connection = conn;
            let (cmp, dir) = match q.sort {
                SortOrder::OldestFirst => (">", "ASC"),
                SortOrder::NewestFirst => ("<", "DESC"),
            };
            let (at, no) = match after {
                Some(a) => (a.created_at_ms, a.order_no.clone()),
                None if q.sort == SortOrder::OldestFirst => (i64::MIN, String::new()),
                None => (i64::MAX, String::new()),
            };
            let left_view: bool =
                c.query_row("SELECT EXISTS(SELECT 1 FROM left_view)", [], |r| r.get(0))?;
            let not_left = if left_view && q.status.is_some() {
                " AND x.order_no NOT IN (SELECT order_no FROM left_view)"
            } else {
                ""
            };
            let mut args: Vec<Value> = vec![at.into(), no.into(), limit.into()];
            let keyset = format!("(x.created_at, x.order_no) {cmp} (?1, ?2)");
            let sql = match scope_of(c, &q.filter)? {
                Some(under) => {
                    let statuses: Vec<Status> = match q.status {
                        Some(s) => vec![s],
                        None => Status::ALL.to_vec(),
                    };
                    // One index range per ancestor and status, each already
                    // in order; an order under two of the whole cache's
                    // ancestors is exported once.
                    let merge = if under.ancs.len() > 1 {
                        " UNION "
                    } else {
                        " UNION ALL "
                    };
                    let mut parts: Vec<String> = Vec::new();
                    for anc in under.ancs {
                        args.push(anc.into());
                        let n = args.len();
                        for s in &statuses {
                            parts.push(format!(
                                "SELECT * FROM (SELECT x.created_at, x.order_no FROM order_scope x
                                 WHERE x.anc = ?{n} AND x.status = '{}' AND {keyset}{not_left}
                                 ORDER BY x.created_at {dir}, x.order_no {dir} LIMIT ?3)",
                                s.as_str()
                            ));
                        }
                    }
                    format!(
                        "SELECT k.created_at, k.order_no, o.body FROM ({}) k
                         CROSS JOIN orders o ON o.order_no = k.order_no
                         ORDER BY k.created_at {dir}, k.order_no {dir} LIMIT ?3",
                        parts.join(merge)
                    )
                }
                None => {
                    let mut conds = vec![keyset.clone()];
                    match &q.filter {
                        ListFilter::All | ListFilter::Subtree(_) => {}
                        ListFilter::Pool { hq_code } => {
                            conds.push(
                                "(x.current_outlet_code = '' OR x.current_outlet_code = ?4
                                  OR x.current_outlet_code NOT IN (SELECT code FROM outlets))"
                                    .into(),
                            );
                            args.push(hq_code.clone().into());
                        }
                        ListFilter::Outlets(codes) => {
                            conds.push(
                                "x.current_outlet_code IN (SELECT value FROM json_each(?4))".into(),
                            );
                            args.push(
                                serde_json::to_string(codes)
                                    .map_err(super::orders::json_err)?
                                    .into(),
                            );
                        }
                    }
                    if let Some(s) = q.status {
                        conds.push(format!("x.status = '{}'", s.as_str()));
                    }
                    format!(
                        "SELECT x.created_at, x.order_no, x.body FROM orders x
                         WHERE {}{not_left}
                         ORDER BY x.created_at {dir}, x.order_no {dir} LIMIT ?3",
                        conds.join(" AND ")
                    )
                }
            };
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params_from_iter(args.iter()), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            let mut last = None;
            for row in rows {
                let (created_at_ms, order_no, body) = row?;
                match serde_json::from_str::<Order>(&body) {
                    Ok(o) => out.push(o),
                    // Skipped, as the list skips it; the key still moves on.
                    Err(e) => tracing::warn!("cached order {order_no} unreadable: {e}"),
                }
                last = Some(After {
                    created_at_ms,
                    order_no,
                });
            }
            Ok((out, last))
        })
    }
}
