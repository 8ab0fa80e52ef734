//! New orders from upstream: checked, dispatched (SPEC 3.4), stored.
//! Orders arriving together are committed together ([`submit`]): one wait
//! for the disk for a whole burst instead of one per order. How a group
//! is written is the storage's business ([`HubState::inbound_write`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;

use super::HubState;
use super::error::ApiError;
use crate::domain::dispatch::{self, DispatchReason, DispatchRule};
use crate::domain::order::InboundOrder;
use crate::domain::{Order, OutletTree};

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

/// Stores a new order (or finds the one upstream sent before under its
/// number: `false`), answering once it is on disk.
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
        let (jobs, inbound): (Vec<_>, Vec<_>) =
            batch.into_iter().map(|j| (j.reply, j.inbound)).unzip();
        let n = jobs.len();
        let written = state.inbound_write(inbound).await;
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
