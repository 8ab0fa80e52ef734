//! New orders from upstream: checked, dispatched (SPEC 3.4), stored.
//! Orders arriving together are committed together ([`submit`]): one wait
//! for the disk for a whole burst instead of one per order.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use tokio::sync::oneshot;

use super::error::ApiError;
use super::{HubState, orders};
use crate::domain::dispatch::{self, DispatchReason, DispatchRule};
use crate::domain::order::InboundOrder;
use crate::domain::{Order, OutletTree};

/// Stores a new order, or returns the existing one with the same number
/// (`false`): upstream may resend.
pub fn create(
    c: &mut Connection,
    tree: &OutletTree,
    inbound: InboundOrder,
    now: DateTime<Utc>,
) -> Result<(Order, bool), ApiError> {
    let tx = c.transaction()?;
    let mut new = orders::NewOrders::new(&tx)?;
    let out = create_in(&tx, &mut new, tree, inbound, now)?;
    new.finish()?;
    tx.commit()?;
    Ok(out)
}

/// [`create`] inside the caller's transaction, writing through `new`.
/// Nothing is written before the checks pass: a refused order leaves
/// `new`'s counts untouched.
fn create_in(
    tx: &Connection,
    new: &mut orders::NewOrders<'_>,
    tree: &OutletTree,
    inbound: InboundOrder,
    now: DateTime<Utc>,
) -> Result<(Order, bool), ApiError> {
    inbound.check_at(now)?;
    if let Some(existing) = orders::get(tx, inbound.order_no.trim())? {
        return Ok((existing, false));
    }
    let remembered = match inbound.current_outlet_code {
        Some(_) => None,
        None => orders::memory(tx, &inbound.ali_account)?,
    };
    let (order, outlet) = placed(inbound, remembered.as_deref(), tree, now);
    new.put(&order)?;
    if let Some(o) = outlet.as_deref().filter(|o| dispatch::can_receive(o, tree)) {
        orders::remember_outlet(tx, &order.ali_account, o)?;
    }
    orders::add_event(
        tx,
        &order.order_no,
        now,
        "upstream",
        outlet.as_deref(),
        "created",
        None,
        order.status.as_str(),
        None,
        None,
    )?;
    Ok((order, true))
}

/// The order `inbound` becomes and the outlet it is placed at (SPEC
/// 3.4): Alibaba's own code when it sent one, else the account's
/// `remembered` outlet or the shipper's city, else the pool. Both engines'
/// intake.
pub(crate) fn placed(
    inbound: InboundOrder,
    remembered: Option<&str>,
    tree: &OutletTree,
    now: DateTime<Utc>,
) -> (Order, Option<String>) {
    let (outlet, rule) = match inbound.current_outlet_code.clone() {
        // Stored trimmed: every visibility check and SQL filter compares
        // codes exactly, so " A1" would be nobody's order.
        Some(given) => (Some(given.trim().to_owned()), Some(DispatchRule::Upstream)),
        None => match dispatch::dispatch_why(remembered, &inbound.shipper.city, tree) {
            Some((code, rule)) => (Some(code), Some(rule)),
            None => (None, None),
        },
    };
    let mut order = inbound.into_order(outlet.clone(), now);
    order.dispatch_reason = rule.map(DispatchReason::rule);
    (order, outlet)
}

pub(crate) type Answer = Result<(Order, bool), ApiError>;

struct Job {
    inbound: InboundOrder,
    reply: oneshot::Sender<Answer>,
}

/// Inbound orders waiting for the next group commit.
#[derive(Default)]
pub struct Queue {
    jobs: Mutex<Vec<Job>>,
    /// A task is writing batches.
    draining: AtomicBool,
}

impl Queue {
    fn take(&self) -> Vec<Job> {
        std::mem::take(&mut *self.jobs.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn push(&self, job: Job) {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(job);
    }

    fn is_empty(&self) -> bool {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }
}

/// Stores a new order as [`create`] does, answering once it is on disk.
/// Orders that arrive while a batch is being written go into the next
/// batch: one transaction. A refused order is refused by its checks,
/// before it writes anything, so it leaves the others stored; a database
/// failure refuses the whole batch.
pub async fn submit(state: &Arc<HubState>, inbound: InboundOrder) -> Answer {
    let (reply, answer) = oneshot::channel();
    state.intake.push(Job { inbound, reply });
    if !state.intake.draining.swap(true, Ordering::AcqRel) {
        // Its own task: a caller that hangs up must not strand the queue.
        tokio::spawn(drain(state.clone()));
    }
    answer.await.unwrap_or_else(|e| Err(ApiError::internal(e)))
}

async fn drain(state: Arc<HubState>) {
    loop {
        let batch = state.intake.take();
        if batch.is_empty() {
            state.intake.draining.store(false, Ordering::Release);
            // A job pushed after the take but before the flag fell has
            // nobody to write it unless we carry on.
            if state.intake.is_empty() || state.intake.draining.swap(true, Ordering::AcqRel) {
                return;
            }
            continue;
        }
        let st = state.clone();
        let (jobs, inbound): (Vec<_>, Vec<_>) =
            batch.into_iter().map(|j| (j.reply, j.inbound)).unzip();
        let n = jobs.len();
        let written = state
            .inbound_write(inbound, move |c, inbound| {
                let tree = st.tree(c)?;
                let now = Utc::now();
                let tx = c.transaction()?;
                let mut answers = Vec::with_capacity(inbound.len());
                {
                    // One writer for the batch: the network cannot change
                    // while this transaction holds the connection.
                    let mut new = orders::NewOrders::new(&tx)?;
                    for o in inbound {
                        match create_in(&tx, &mut new, &tree, o, now) {
                            Ok(a) => answers.push(Ok(a)),
                            // The database itself failed (full, I/O): SQLite
                            // may have rolled the whole transaction back, so
                            // none of the batch is stored and each is told so.
                            Err(e) if e.status.is_server_error() => return Err(e),
                            Err(e) => answers.push(Err(e)),
                        }
                    }
                    new.finish()?;
                }
                tx.commit()?;
                Ok(answers)
            })
            .await;
        match written {
            Ok(answers) => {
                for (reply, a) in jobs.into_iter().zip(answers) {
                    let _ = reply.send(a);
                }
            }
            Err(e) => {
                tracing::debug!("inbound batch of {n} not written: {}", e.code);
                for reply in jobs {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}
