//! The order list and the feed page on PostgreSQL in ONE statement each
//! (issue 15, read throughput). Measured with pg_stat_statements on the
//! bench's list read: the multi-statement path ([`super::pg_orders_read`])
//! took seven round trips after the session look-up's one: BEGIN, the
//! outlet revision and the count (each prepared anew, two trips apiece),
//! the page and COMMIT; the server's work per statement was small against
//! the trip. Here the revision, the counters and the page come back in
//! one prepared statement, in autocommit: one statement reads one snapshot (READ COMMITTED takes it
//! per statement, subqueries included), so the page, its count and its
//! cursor still come from the same moment, as in a REPEATABLE READ
//! transaction.
//!
//! The user's scope depends on the network, and the network is cached by
//! outlet revision. The statement is built from the cached network and
//! reads the revision too; the answer is used only when the snapshot's
//! revision is the cached one, so the scope was that of the snapshot's
//! network. Otherwise (an outlet changed, a fresh hub) the caller falls
//! back to the multi-statement path, which reloads the network for the
//! next request. Nothing is cached per user or per session: a deactivated
//! user's token is refused by the session look-up of the same request.

use std::collections::HashMap;

use super::orders_read::{
    FeedAnswer, FeedRead, OrderList, cursor_since, epoch_root, feed_answer, feed_start, list_anc,
};
use super::postgres::Postgres;
use crate::domain::visibility::{self, Scope};
use crate::domain::{Staff, Status};
use crate::hub::error::ApiError;
use crate::hub::scope::FeedRow;
use crate::hub::{HubState, db};

/// The outlet revision, the exact count from the scope index's counter
/// row and one page of the whole network's orders of a status.
const LIST_ALL: &str = "SELECT (SELECT value FROM meta WHERE key = 'outlet_revision'),
        (SELECT n FROM scope_count WHERE anc = $1 AND status = $2),
        ARRAY(SELECT body::text FROM orders WHERE status = $2
              ORDER BY created_at, order_no COLLATE \"C\" LIMIT $3 OFFSET $4)";

/// The same under an ancestor, the page from the scope index.
const LIST_UNDER: &str = "SELECT (SELECT value FROM meta WHERE key = 'outlet_revision'),
        (SELECT n FROM scope_count WHERE anc = $1 AND status = $2),
        ARRAY(SELECT o.body::text FROM order_scope s JOIN orders o ON o.order_no = s.order_no
              WHERE s.anc = $1 AND s.status = $2
              ORDER BY s.created_at, s.order_no COLLATE \"C\" LIMIT $3 OFFSET $4)";

/// `meta`'s rows named in $1 with a page of changes (`$changes`, a query
/// for `k`, the page's order, and a [`FeedRow`]'s columns), one row per
/// change (one row of NULLs for none).
macro_rules! feed_sql {
    ($changes:literal) => {
        concat!(
            "SELECT m.keys, m.vals, f.k, f.seq, f.order_no, f.current_outlet_code,
                    f.billing_outlet_code, f.body
             FROM (SELECT array_agg(key) AS keys, array_agg(value) AS vals FROM meta
                   WHERE key = ANY($1)) m
             LEFT JOIN LATERAL (",
            $changes,
            ") f ON true"
        )
    };
}

/// The whole network's changes after $2 (at most $3).
const FEED_ALL: &str = feed_sql!(
    "SELECT o.seq AS k, o.seq, o.order_no, o.current_outlet_code, o.billing_outlet_code,
            o.body::text AS body
     FROM orders o WHERE o.seq > $2 ORDER BY o.seq LIMIT $3"
);

/// The same for subtree $4, from its change log.
const FEED_UNDER: &str = feed_sql!(
    "SELECT l.seq AS k, o.seq, o.order_no, o.current_outlet_code, o.billing_outlet_code,
            o.body::text AS body
     FROM order_feed l JOIN orders o ON o.order_no = l.order_no
     WHERE l.anc = $4 AND l.seq > $2 ORDER BY l.seq LIMIT $3"
);

fn int(v: Option<&String>) -> i64 {
    v.and_then(|v| v.parse().ok()).unwrap_or(0)
}

impl Postgres {
    /// [`Postgres::order_list`] in one statement, or `None` when the
    /// cached network is not the snapshot's (or would refuse the
    /// selector: only the snapshot's network may answer 403).
    pub(super) async fn order_list_one(
        &self,
        hub: &HubState,
        staff: &Staff,
        selector: Option<&str>,
        status: Status,
        limit: i64,
        offset: i64,
    ) -> Result<Option<OrderList>, ApiError> {
        let Some((rev, tree)) = hub.last_tree() else {
            return Ok(None);
        };
        let Ok(scope) = visibility::selector_scope(&staff.outlet_code, selector, &tree) else {
            return Ok(None);
        };
        let anc = list_anc(&scope);
        let c = self.conn().await?;
        let st = c
            .prepare_cached(if anc.is_some() { LIST_UNDER } else { LIST_ALL })
            .await?;
        let key = anc.unwrap_or(crate::scope_index::ALL);
        let row = c
            .query_one(&st, &[&key, &status.as_str(), &limit, &offset])
            .await?;
        let at: Option<String> = row.try_get(0)?;
        if int(at.as_ref()) != rev {
            return Ok(None);
        }
        let total: Option<i64> = row.try_get(1)?;
        let bodies: Vec<String> = row.try_get(2)?;
        let orders = bodies
            .iter()
            .map(|b| serde_json::from_str(b).map_err(ApiError::internal))
            .collect::<Result<_, _>>()?;
        Ok(Some(OrderList {
            orders,
            total: total.unwrap_or(0),
        }))
    }

    /// [`Postgres::feed_page`] in one statement, or `None` when the
    /// cached network is not the snapshot's.
    pub(super) async fn feed_page_one(
        &self,
        hub: &HubState,
        staff: &Staff,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Option<(FeedAnswer, bool)>, ApiError> {
        let Some((rev, tree)) = hub.last_tree() else {
            return Ok(None);
        };
        // The change number the page starts after; the cursor's view tag
        // is checked below against the epoch this snapshot holds.
        let since = cursor_since(cursor)?;
        let scope = visibility::user_scope(&staff.outlet_code, &tree);
        let epoch_key = epoch_root(&scope).map(db::view_epoch_key);
        let mut keys = vec![
            "outlet_revision",
            "order_seq",
            "params_revision",
            "rate_revision",
        ];
        keys.extend(epoch_key.as_deref());
        let c = self.conn().await?;
        let rows = match &scope {
            Scope::Subtree(root) => {
                let st = c.prepare_cached(FEED_UNDER).await?;
                c.query(&st, &[&keys, &since, &limit, root]).await?
            }
            _ => {
                let st = c.prepare_cached(FEED_ALL).await?;
                c.query(&st, &[&keys, &since, &limit]).await?
            }
        };
        drop(c);
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let names: Option<Vec<String>> = first.try_get(0)?;
        let values: Option<Vec<String>> = first.try_get(1)?;
        let meta: HashMap<String, String> = names
            .unwrap_or_default()
            .into_iter()
            .zip(values.unwrap_or_default())
            .collect();
        if int(meta.get("outlet_revision")) != rev {
            return Ok(None);
        }
        let at = |k: &str| int(meta.get(k));
        let epoch = epoch_key.as_deref().map_or(0, at);
        let head = at("order_seq");
        let (tag, since) = feed_start(staff, epoch, cursor, head)?;
        let mut changes = Vec::with_capacity(rows.len());
        for r in &rows {
            let Some(k) = r.try_get::<_, Option<i64>>(2)? else {
                continue;
            };
            let row = FeedRow {
                seq: r.try_get(3)?,
                order_no: r.try_get(4)?,
                current: r.try_get(5)?,
                billing: r.try_get(6)?,
                body: r.try_get(7)?,
            };
            changes.push((k, row));
        }
        // The lateral page's own order, whatever order the join returns.
        changes.sort_by_key(|(k, _)| *k);
        let read = FeedRead {
            rows: changes.into_iter().map(|(_, r)| r).collect(),
            head,
            params_revision: at("params_revision"),
            rate_revision: at("rate_revision"),
        };
        let page = feed_answer(read, &scope, &tree, &tag, since, limit)?;
        Ok(Some((page, matches!(scope, Scope::All))))
    }
}
