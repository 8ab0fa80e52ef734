//! Order writes behind the storage interface (issue 15): an action under
//! its Idempotency-Key and the customer's cancel. The SQLite arm is the
//! code the routes ran before, moved here; the PostgreSQL arm is
//! [`super::pg_orders_write`]. (Inbound orders are grouped by
//! [`crate::hub::intake`] and written by [`HubState::inbound_write`].)

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Storage;
use crate::domain::order::{self, Action, InboundOrder};
use crate::domain::{Order, Staff, Status};
use crate::hub::error::ApiError;
use crate::hub::intake::Answer;
use crate::hub::routes::{orders as order_routes, waybills};
use crate::hub::{HubState, auth, db, orders};
use crate::i18n::Lang;

/// An action as the route checked it.
pub struct ActionWrite {
    /// The Idempotency-Key.
    pub key: String,
    /// Who acts.
    pub staff: Staff,
    /// The request's digest (order number and canonical body).
    pub request: String,
    pub order_no: String,
    /// The body without `expected_version`.
    pub action: Value,
    /// The language a refusal is stored in.
    pub lang: Lang,
    /// Refused answers stored before this are forgotten.
    pub refused_before: DateTime<Utc>,
}

/// The stored answer to an action: a refusal is an answer too (replayed
/// under its key); a server fault is not (the client retries it).
pub(crate) fn answer(
    outcome: Result<Order, ApiError>,
    lang: Lang,
) -> Result<(u16, String), ApiError> {
    Ok(match outcome {
        Ok(o) => (200, serde_json::to_string(&o).map_err(ApiError::internal)?),
        Err(e) if e.status.is_server_error() => return Err(e),
        Err(e) => (
            e.status.as_u16(),
            serde_json::to_string(&e.body(lang)).map_err(ApiError::internal)?,
        ),
    })
}

/// 422 `idempotency_key_reused`: the key came with another request or
/// from another login.
pub(crate) fn key_reused() -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
}

/// A stored answer replayed to the same login and request, else refused.
pub(crate) fn replay(
    w: &ActionWrite,
    (login, request, status, response): (String, String, u16, String),
) -> Result<(u16, String), ApiError> {
    if login == w.staff.login && auth::same_secret(&request, &w.request) {
        Ok((status, response))
    } else {
        Err(key_reused())
    }
}

/// 409 `cancel_too_late`: the customer may cancel only a pending order.
pub(crate) fn cancel_too_late(o: &Order) -> ApiError {
    let mut e = ApiError::new(StatusCode::CONFLICT, "cancel_too_late")
        .arg("status", format!("@status.{}", o.status.as_str()));
    e.order = serde_json::to_value(o).ok();
    e
}

impl HubState {
    /// Applies an action once per key: the same key with the same request
    /// replays the first answer, with another it is 422. The answer is
    /// (status, JSON body).
    pub async fn order_action(self: &Arc<Self>, w: ActionWrite) -> Result<(u16, String), ApiError> {
        if let Storage::Postgres(p) = &self.storage {
            return super::pg_action_groups::order_action(self, p, w).await;
        }
        let st = self.clone();
        self.db(move |c| {
            // The effect and its key commit together: a crash between them
            // must not let a resend apply the action a second time.
            let tx = c.transaction()?;
            if let Some(stored) = orders::idempotent(&tx, &w.key)? {
                return replay(&w, stored);
            }
            let tree = st.tree(&tx)?;
            let outcome = match serde_json::from_value::<Action>(w.action.clone()) {
                Ok(Action::ImportWaybill {
                    waybill,
                    logistics_no,
                    accept,
                }) => waybills::import(
                    &tx,
                    &tree,
                    &w.staff,
                    &w.order_no,
                    &waybill,
                    logistics_no.as_deref(),
                    accept.as_ref(),
                ),
                Ok(a) => order_routes::act(&tx, &tree, &w.staff, &w.order_no, &a),
                Err(e) => Err(invalid_action(e)),
            };
            let (status, text) = answer(outcome, w.lang)?;
            if status != 200 {
                orders::expire_refused(&tx, w.refused_before)?;
            }
            orders::remember(&tx, &w.key, &w.staff.login, &w.request, status, &text)?;
            tx.commit()?;
            Ok((status, text))
        })
        .await
    }

    /// Writes a group of inbound orders in one transaction (the intake's
    /// group commit): on SQLite by [`super::sqlite_intake::batch`] on the
    /// writer, on PostgreSQL by
    /// [`super::postgres::Postgres::inbound_batch`]. One answer per order,
    /// in order; `Err` when the database refused the whole group.
    pub async fn inbound_write(
        self: &Arc<Self>,
        inbound: Vec<InboundOrder>,
    ) -> Result<Vec<Answer>, ApiError> {
        match &self.storage {
            Storage::Postgres(p) => p.inbound_batch(self, inbound).await,
            Storage::Sqlite(_) => {
                let st = self.clone();
                self.db(move |c| {
                    let tree = st.tree(c)?;
                    super::sqlite_intake::batch(c, &tree, inbound)
                })
                .await
            }
        }
    }

    /// The digest of the upstream (Alibaba side) token, which only a
    /// first start writes.
    pub async fn upstream_token_digest(&self) -> Result<Option<String>, ApiError> {
        const KEY: &str = "upstream_token_sha256";
        match &self.storage {
            Storage::Sqlite(_) => self.read(|c| Ok(db::meta_get(c, KEY)?)).await,
            Storage::Postgres(p) => p.meta_text(KEY).await,
        }
    }

    /// The customer cancels (撤销): allowed while pending, 409 once
    /// accepted; a cancelled order is answered as it is.
    pub async fn inbound_cancel(&self, order_no: String) -> Result<Order, ApiError> {
        if let Storage::Postgres(p) = &self.storage {
            let (o, touched) = p.inbound_cancel(self, &order_no).await?;
            self.wakes.wake(&touched);
            return Ok(o);
        }
        self.db(move |c| {
            let tx = c.transaction()?;
            let o = orders::get(&tx, &order_no)?.ok_or_else(ApiError::not_found)?;
            if o.status == Status::Cancelled {
                return Ok(o);
            }
            let now = Utc::now();
            let next = order::cancel(&o, now).map_err(|_| cancel_too_late(&o))?;
            orders::put(&tx, &next)?;
            orders::add_event(
                &tx,
                &o.order_no,
                now,
                "upstream",
                o.current_outlet_code.as_deref(),
                "cancel",
                Some(o.status.as_str()),
                next.status.as_str(),
                None,
                None,
            )?;
            tx.commit()?;
            Ok(next)
        })
        .await
    }
}

/// 422 `invalid_action`: the body is no action.
pub(crate) fn invalid_action(e: serde_json::Error) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_action").detail(e.to_string())
}
