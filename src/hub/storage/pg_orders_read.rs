//! Order READS on PostgreSQL (issue 15), the queries behind
//! [`super::orders_read`]: each operation reads one REPEATABLE READ READ
//! ONLY snapshot, as SQLite's readers do, so a feed page and its cursor,
//! or a list page and its count, come from the same moment. Text is
//! ordered byte-wise (`COLLATE "C"`), as SQLite orders it. The feed and
//! the list first try one statement ([`super::pg_one_statement`]); the
//! transactions here answer when the hub's cached network is not the
//! database's, and cache the new one.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio_postgres::GenericClient;

use super::orders_read::{
    FeedAnswer, FeedRead, OrderList, epoch_root, feed_answer, feed_start, list_anc, may_see,
};
use super::postgres::Postgres;
use crate::api::OrderEvent;
use crate::domain::visibility::{self, Scope};
use crate::domain::{Order, OutletTree, Staff, Status};
use crate::hub::error::ApiError;
use crate::hub::scope::FeedRow;
use crate::hub::{HubState, db};

/// A subtree's changes after a change number, from its change log.
const FEED_UNDER: &str =
    "SELECT o.seq, o.order_no, o.current_outlet_code, o.billing_outlet_code, o.body::text
     FROM order_feed f JOIN orders o ON o.order_no = f.order_no
     WHERE f.anc = $1 AND f.seq > $2 ORDER BY f.seq LIMIT $3";

/// The whole network's changes after a change number.
const FEED_ALL: &str =
    "SELECT o.seq, o.order_no, o.current_outlet_code, o.billing_outlet_code, o.body::text
     FROM orders o WHERE o.seq > $1 ORDER BY o.seq LIMIT $2";

/// A page of one status under an ancestor, from the scope index.
const LIST_UNDER: &str =
    "SELECT o.body::text FROM order_scope s JOIN orders o ON o.order_no = s.order_no
     WHERE s.anc = $1 AND s.status = $2
     ORDER BY s.created_at, s.order_no COLLATE \"C\" LIMIT $3 OFFSET $4";

/// A page of one status in the whole network.
const LIST_ALL: &str = "SELECT body::text FROM orders WHERE status = $1
     ORDER BY created_at, order_no COLLATE \"C\" LIMIT $2 OFFSET $3";

/// Opens a snapshot: every statement of the operation sees the same
/// committed data.
pub(crate) async fn snapshot(
    c: &mut deadpool_postgres::Object,
) -> Result<deadpool_postgres::Transaction<'_>, ApiError> {
    Ok(c.build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?)
}

/// `meta`'s integer values of `keys` (0 when unset) in one round trip.
pub(crate) async fn meta_ints(
    tx: &deadpool_postgres::Transaction<'_>,
    keys: &[&str],
) -> Result<HashMap<String, i64>, ApiError> {
    let st = c_prepare(tx, "SELECT key, value FROM meta WHERE key = ANY($1)").await?;
    let rows = tx.query(&st, &[&keys]).await?;
    let mut out: HashMap<String, i64> = keys.iter().map(|k| ((*k).to_owned(), 0)).collect();
    for r in rows {
        let v: String = r.get(1);
        out.insert(r.get(0), v.parse().unwrap_or(0));
    }
    Ok(out)
}

fn parse_order(body: &str) -> Result<Order, ApiError> {
    serde_json::from_str(body).map_err(ApiError::internal)
}

async fn order_in(c: &impl GenericClient, order_no: &str) -> Result<Order, ApiError> {
    let row = c
        .query_opt(
            "SELECT body::text FROM orders WHERE order_no = $1",
            &[&order_no],
        )
        .await?
        .ok_or_else(ApiError::not_found)?;
    parse_order(row.get(0))
}

impl Postgres {
    /// See [`HubState::feed_page`].
    pub async fn feed_page(
        &self,
        hub: &HubState,
        staff: &Staff,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<(FeedAnswer, bool), ApiError> {
        if let Some(page) = self.feed_page_one(hub, staff, cursor, limit).await? {
            return Ok(page);
        }
        let mut c = self.conn().await?;
        let tx = snapshot(&mut c).await?;
        // Every counter the page needs in one round trip (a poll at the
        // head is mostly round trips); the view epoch of the user's own
        // outlet is read even when the network turns out to be HQ's.
        let epoch_key = db::view_epoch_key(&staff.outlet_code);
        let keys = [
            "outlet_revision",
            "order_seq",
            "params_revision",
            "rate_revision",
            &epoch_key,
        ];
        let meta = meta_ints(&tx, &keys).await?;
        let at = |k: &str| meta.get(k).copied().unwrap_or(0);
        let tree = hub.pg_tree_at(&*tx, at("outlet_revision")).await?;
        let scope = visibility::user_scope(&staff.outlet_code, &tree);
        let epoch = epoch_root(&scope).map_or(0, |root| at(&db::view_epoch_key(root)));
        let head = at("order_seq");
        let (tag, since) = feed_start(staff, epoch, cursor, head)?;
        // A subtree reads its own change log: the cost of the page,
        // wherever the cursor is.
        let rows = match &scope {
            Scope::Subtree(root) => {
                let st = c_prepare(&tx, FEED_UNDER).await?;
                tx.query(&st, &[root, &since, &limit]).await?
            }
            _ => {
                let st = c_prepare(&tx, FEED_ALL).await?;
                tx.query(&st, &[&since, &limit]).await?
            }
        };
        let rows = rows
            .iter()
            .map(|r| FeedRow {
                seq: r.get(0),
                order_no: r.get(1),
                current: r.get(2),
                billing: r.get(3),
                body: r.get(4),
            })
            .collect();
        tx.commit().await?;
        let read = FeedRead {
            rows,
            head,
            params_revision: at("params_revision"),
            rate_revision: at("rate_revision"),
        };
        let page = feed_answer(read, &scope, &tree, &tag, since, limit)?;
        Ok((page, matches!(scope, Scope::All)))
    }

    /// See [`HubState::order_list`].
    pub async fn order_list(
        &self,
        hub: &HubState,
        staff: &Staff,
        selector: Option<&str>,
        status: Status,
        limit: i64,
        offset: i64,
    ) -> Result<OrderList, ApiError> {
        if let Some(list) = self
            .order_list_one(hub, staff, selector, status, limit, offset)
            .await?
        {
            return Ok(list);
        }
        let mut c = self.conn().await?;
        let tx = snapshot(&mut c).await?;
        let tree = hub.pg_tree(&*tx).await?;
        let scope = visibility::selector_scope(&staff.outlet_code, selector, &tree)
            .map_err(|_| ApiError::forbidden())?;
        let anc = list_anc(&scope);
        // The exact count from the index's counter row, the page from its
        // rows: a few index rows whatever the size of the history.
        let total: i64 = tx
            .query_opt(
                "SELECT n FROM scope_count WHERE anc = $1 AND status = $2",
                &[&anc.unwrap_or(crate::scope_index::ALL), &status.as_str()],
            )
            .await?
            .map_or(0, |r| r.get(0));
        let rows = match anc {
            Some(anc) => {
                let st = c_prepare(&tx, LIST_UNDER).await?;
                tx.query(&st, &[&anc, &status.as_str(), &limit, &offset])
                    .await?
            }
            None => {
                let st = c_prepare(&tx, LIST_ALL).await?;
                tx.query(&st, &[&status.as_str(), &limit, &offset]).await?
            }
        };
        tx.commit().await?;
        let orders = rows
            .iter()
            .map(|r| parse_order(r.get(0)))
            .collect::<Result<_, _>>()?;
        Ok(OrderList { orders, total })
    }

    /// One order (404 for none) with the network of the same snapshot.
    pub async fn order_with_tree(
        &self,
        hub: &HubState,
        order_no: &str,
    ) -> Result<(Order, Arc<OutletTree>), ApiError> {
        let mut c = self.conn().await?;
        let tx = snapshot(&mut c).await?;
        let tree = hub.pg_tree(&*tx).await?;
        let o = order_in(&*tx, order_no).await?;
        tx.commit().await?;
        Ok((o, tree))
    }

    /// See [`HubState::order_events`].
    pub async fn order_events(
        &self,
        hub: &HubState,
        staff: &Staff,
        order_no: &str,
    ) -> Result<Vec<OrderEvent>, ApiError> {
        let mut c = self.conn().await?;
        let tx = snapshot(&mut c).await?;
        let tree = hub.pg_tree(&*tx).await?;
        let o = order_in(&*tx, order_no).await?;
        may_see(&o, staff, &tree)?;
        let rows = tx
            .query(
                "SELECT seq, at, actor_login, outlet_code, action, from_status, to_status,
                        reason_code, note
                 FROM order_events WHERE order_no = $1 ORDER BY seq",
                &[&order_no],
            )
            .await?;
        tx.commit().await?;
        Ok(rows
            .iter()
            .map(|r| OrderEvent {
                seq: r.get(0),
                at: r.get::<_, DateTime<Utc>>(1),
                actor_login: r.get(2),
                outlet_code: r.get(3),
                action: r.get(4),
                from_status: r.get(5),
                to_status: r.get(6),
                reason_code: r.get(7),
                note: r.get(8),
            })
            .collect())
    }
}

/// `sql` prepared once per pooled connection: the feed and the list run
/// on every poll of every clerk, and a statement given as text costs a
/// round trip of its own to prepare each time.
async fn c_prepare(
    tx: &deadpool_postgres::Transaction<'_>,
    sql: &str,
) -> Result<tokio_postgres::Statement, ApiError> {
    Ok(tx.prepare_cached(sql).await?)
}
