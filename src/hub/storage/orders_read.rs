//! Order READS behind the storage interface (issue 15): the change feed,
//! the order list, one order, its events. Each operation reads one
//! snapshot on either engine; the rules (what a user sees, what a cursor
//! says, when a view changed) are the pure functions here, so both
//! engines answer alike. The PostgreSQL queries are in
//! [`super::pg_orders_read`].

use std::sync::{Arc, PoisonError};

use axum::http::StatusCode;
use chrono::Utc;
use serde_json::Value;

use super::Storage;
use crate::api::{OrderEvent, OrderSummary};
use crate::domain::visibility::{self, Scope};
use crate::domain::{Order, OutletTree, Staff, Status};
use crate::hub::error::ApiError;
use crate::hub::scope::FeedRow;
use crate::hub::{HubState, db, orders};

/// A feed page with its orders' stored bodies passed through as they are
/// (the same JSON, written out by [`crate::api::feed::FeedPage::to_json`]).
pub type FeedAnswer = crate::api::feed::FeedPage<String>;

/// One page of `GET /api/v1/orders`.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OrderList {
    pub orders: Vec<Order>,
    pub total: i64,
}

/// A short stable fingerprint of what a user may see, kept in cursors: a
/// user moved to another outlet, or whose subtree gained or lost an outlet
/// that ever had orders (one moved between branches; `epoch`, see
/// `db::view_epoch`), starts over instead of missing the orders that came
/// into view or keeping those that left it. A new empty outlet changes
/// nothing anyone sees, so it keeps every cursor.
fn scope_tag(user: &Staff, epoch: i64) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(format!("{}|{}|{}", user.login, user.outlet_code, user.role.as_str()).as_bytes());
    eat(format!("|{epoch}").as_bytes());
    format!("{:08x}", h as u32)
}

fn parse_cursor(cursor: &str, tag: &str) -> Result<i64, ApiError> {
    let seq = cursor_seq(cursor)?;
    if cursor.split_once('.').is_some_and(|(_, t)| t != tag) {
        // The user's view is not what it was (moved, or the subtree
        // changed): the client must drop what it may no longer see.
        return Err(ApiError::new(StatusCode::GONE, "view_changed"));
    }
    Ok(seq)
}

/// The subtree whose view epoch counts for `scope` (none for the whole
/// network, which no move changes).
pub(crate) fn epoch_root(scope: &Scope) -> Option<&str> {
    match scope {
        Scope::Subtree(root) => Some(root),
        _ => None,
    }
}

/// The change number `cursor` names (0 for none), its view tag not yet
/// checked: [`feed_start`] checks it against the epoch read with the page.
pub(crate) fn cursor_since(cursor: Option<&str>) -> Result<i64, ApiError> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(0),
        Some(c) => cursor_seq(c),
    }
}

fn cursor_seq(cursor: &str) -> Result<i64, ApiError> {
    cursor
        .split_once('.')
        .and_then(|(seq, _)| seq.parse().ok())
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "invalid_cursor"))
}

/// Where a feed page starts: the cursor's tag for this view and the
/// change number after which the page begins. `head` is the newest change
/// number: a cursor ahead of it (a database restored from a backup, or
/// rebuilt) would silently skip every order up to it, so it must resync.
pub(crate) fn feed_start(
    staff: &Staff,
    epoch: i64,
    cursor: Option<&str>,
    head: i64,
) -> Result<(String, i64), ApiError> {
    let tag = scope_tag(staff, epoch);
    let since = match cursor.filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => parse_cursor(c, &tag)?,
    };
    if since > head {
        return Err(ApiError::new(StatusCode::GONE, "cursor_expired"));
    }
    Ok((tag, since))
}

/// What the storage read for one feed page, in one snapshot.
pub(crate) struct FeedRead {
    pub rows: Vec<FeedRow>,
    pub head: i64,
    pub params_revision: i64,
    pub rate_revision: i64,
}

/// The page from `read`: the orders still in `scope`'s view, and the
/// numbers of those that left it.
pub(crate) fn feed_answer(
    read: FeedRead,
    scope: &Scope,
    tree: &OutletTree,
    tag: &str,
    since: i64,
    limit: i64,
) -> Result<FeedAnswer, ApiError> {
    let more = read.rows.len() as i64 == limit;
    // Nothing in view changed: still move the cursor to the newest
    // change number so the next poll starts there.
    let last = match read.rows.last() {
        Some(r) => r.seq,
        None => read.head.max(since),
    };
    let mut page = FeedAnswer {
        orders: Vec::new(),
        removed: Vec::new(),
        cursor: format!("{last}.{tag}"),
        more,
        server_time: Utc::now(),
        params_revision: read.params_revision,
        rate_revision: read.rate_revision,
    };
    // Bodies go out as stored: decoding and encoding each order again was
    // most of a backlog page's cost, and checking text the hub wrote
    // itself is a second read of every byte.
    // A subtree's codes once per page, rather than a walk up the tree
    // (a search of the whole network per step) for each of its rows.
    let within = match scope {
        Scope::Subtree(root) if read.rows.len() > 1 => Some(tree.subtree(root)),
        _ => None,
    };
    let sees = |current: Option<&str>, billing: Option<&str>| match &within {
        Some(codes) => {
            current.is_some_and(|c| codes.contains(c)) || billing.is_some_and(|b| codes.contains(b))
        }
        None => scope.sees_at(current, billing, tree),
    };
    for r in read.rows {
        if sees(r.current.as_deref(), r.billing.as_deref()) {
            page.orders.push(r.body);
        } else {
            page.removed.push(r.order_no);
        }
    }
    Ok(page)
}

/// The scope index's key for a list under `scope` (`None`: every order).
pub(crate) fn list_anc(scope: &Scope) -> Option<&str> {
    match scope {
        Scope::All => None,
        Scope::Subtree(root) => Some(root.as_str()),
        Scope::Pool => Some(crate::hub::scope::POOL),
    }
}

/// `o` as `staff` may see it: in full inside their view, else only its
/// status and outlets (so nobody tells a customer "no such order" without
/// looking).
pub(crate) fn order_answer(o: Order, staff: &Staff, tree: &OutletTree) -> Result<Value, ApiError> {
    let scope = visibility::user_scope(&staff.outlet_code, tree);
    let v = if scope.sees(&o, tree) {
        serde_json::to_value(&o)
    } else {
        serde_json::to_value(OrderSummary {
            order_no: o.order_no,
            status: o.status,
            current_outlet_code: o.current_outlet_code,
            accepting_outlet_code: o.accepting_outlet_code,
        })
    };
    v.map_err(ApiError::internal)
}

/// 403 unless `staff` sees `o` in full.
pub(crate) fn may_see(o: &Order, staff: &Staff, tree: &OutletTree) -> Result<(), ApiError> {
    if visibility::user_scope(&staff.outlet_code, tree).sees(o, tree) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

impl HubState {
    /// The network cached by outlet revision, read through `c` (inside the
    /// caller's PostgreSQL transaction, so it is the snapshot's network);
    /// [`HubState::tree`] is SQLite's.
    pub async fn pg_tree(
        &self,
        c: &impl tokio_postgres::GenericClient,
    ) -> Result<Arc<OutletTree>, ApiError> {
        let rev = super::postgres::meta_int(c, "outlet_revision").await?;
        self.pg_tree_at(c, rev).await
    }

    /// [`HubState::pg_tree`] when the snapshot's outlet revision `rev` is
    /// already read (one round trip less on every poll).
    pub async fn pg_tree_at(
        &self,
        c: &impl tokio_postgres::GenericClient,
        rev: i64,
    ) -> Result<Arc<OutletTree>, ApiError> {
        if let Some(t) = self.cached_tree(rev) {
            return Ok(t);
        }
        let t = Arc::new(OutletTree::new(super::postgres::outlets(c).await?));
        *self.tree.lock().unwrap_or_else(PoisonError::into_inner) = Some((rev, t.clone()));
        Ok(t)
    }

    /// The network last cached, with its outlet revision.
    pub(crate) fn last_tree(&self) -> Option<(i64, Arc<OutletTree>)> {
        self.tree
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn cached_tree(&self, rev: i64) -> Option<Arc<OutletTree>> {
        self.last_tree().filter(|(r, _)| *r == rev).map(|(_, t)| t)
    }

    /// One feed page for `staff` from `cursor`, read in one snapshot, and
    /// whether the user sees the whole network.
    pub async fn feed_page(
        self: &Arc<Self>,
        staff: Staff,
        cursor: Option<String>,
        limit: i64,
    ) -> Result<(FeedAnswer, bool), ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                let st = self.clone();
                self.read(move |c| {
                    let tree = st.tree(c)?;
                    let scope = visibility::user_scope(&staff.outlet_code, &tree);
                    let epoch = match epoch_root(&scope) {
                        Some(root) => db::view_epoch(c, root)?,
                        None => 0,
                    };
                    let head = orders::last_seq(c)?;
                    let (tag, since) = feed_start(&staff, epoch, cursor.as_deref(), head)?;
                    // A subtree reads its own change log: the cost of the
                    // page, wherever the cursor is.
                    let rows = match &scope {
                        Scope::Subtree(root) => {
                            crate::hub::scope::feed_rows(c, root, since, limit)?
                        }
                        _ => orders::changed_since(c, since, limit)?,
                    };
                    let read = FeedRead {
                        rows,
                        head,
                        params_revision: db::params_revision(c)?,
                        rate_revision: crate::hub::pricing_store::rate_revision(c)?,
                    };
                    let page = feed_answer(read, &scope, &tree, &tag, since, limit)?;
                    Ok((page, matches!(scope, Scope::All)))
                })
                .await
            }
            Storage::Postgres(p) => p.feed_page(self, &staff, cursor.as_deref(), limit).await,
        }
    }

    /// Orders of `status` under the outlet selector's rules (SPEC 3.1),
    /// oldest first, with their exact count; 403 for an outlet outside the
    /// user's subtree.
    pub async fn order_list(
        self: &Arc<Self>,
        staff: Staff,
        selector: Option<String>,
        status: Status,
        limit: i64,
        offset: i64,
    ) -> Result<OrderList, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                let st = self.clone();
                self.read(move |c| {
                    let tree = st.tree(c)?;
                    let scope =
                        visibility::selector_scope(&staff.outlet_code, selector.as_deref(), &tree)
                            .map_err(|_| ApiError::forbidden())?;
                    // Read from the scope index: a page and an exact count
                    // from a few index rows, whatever the size of the history.
                    let (bodies, total) =
                        crate::hub::scope::page(c, list_anc(&scope), status, limit, offset)?;
                    let orders = bodies
                        .iter()
                        .map(|b| orders::parse(b))
                        .collect::<rusqlite::Result<_>>()?;
                    Ok(OrderList { orders, total })
                })
                .await
            }
            Storage::Postgres(p) => {
                p.order_list(self, &staff, selector.as_deref(), status, limit, offset)
                    .await
            }
        }
    }

    /// Order `order_no` as `staff` may see it (see [`order_answer`]); 404
    /// for no such order.
    pub async fn order_get(
        self: &Arc<Self>,
        staff: Staff,
        order_no: String,
    ) -> Result<Value, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                let st = self.clone();
                self.read(move |c| {
                    let tree = st.tree(c)?;
                    let o = orders::get(c, &order_no)?.ok_or_else(ApiError::not_found)?;
                    order_answer(o, &staff, &tree)
                })
                .await
            }
            Storage::Postgres(p) => {
                let (o, tree) = p.order_with_tree(self, &order_no).await?;
                order_answer(o, &staff, &tree)
            }
        }
    }

    /// An order's history, oldest first, for a user who sees the order in
    /// full (403 otherwise, 404 for no such order).
    pub async fn order_events(
        self: &Arc<Self>,
        staff: Staff,
        order_no: String,
    ) -> Result<Vec<OrderEvent>, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                let st = self.clone();
                self.read(move |c| {
                    let tree = st.tree(c)?;
                    let o = orders::get(c, &order_no)?.ok_or_else(ApiError::not_found)?;
                    may_see(&o, &staff, &tree)?;
                    Ok(orders::events(c, &order_no)?)
                })
                .await
            }
            Storage::Postgres(p) => p.order_events(self, &staff, &order_no).await,
        }
    }
}
