//! Actions on PostgreSQL, grouped (issue 15): the actions that reach one
//! hub while it is writing others wait, then go to the database together,
//! in one transaction of the same three steps as one action
//! (`pg_orders_write`).
//!
//! Why: every write ends on rows all writers share (the change-number
//! counter, the network's counts and report sums), so writes commit one
//! after another, and on PostgreSQL each transaction costs far more than
//! its rows — a round trip per step, the locks on every table and index it
//! touches, the shared rows, the stamp, a commit that waits for the disk.
//! Measured with 16 clerks on one hub, that was about 1.8 ms of server CPU
//! an action. A group pays it once: its keys are claimed, its orders read
//! and locked, its answers stored, one statement each for the whole group,
//! and the shared rows and the commit once.
//!
//! Nothing waits for a group to fill: an action that finds no group being
//! written goes at once, alone, exactly as before; only those arriving
//! meanwhile are grouped (group commit). Each action of a group keeps its
//! own answer: a refusal is stored under its own key, a replay answers
//! from its own stored row, another key's reuse is its own 422. A group
//! has each order and each key once (a second action on the same order
//! waits for the next group, and so sees the first one's result), and
//! locks its orders in order-number order, so two groups through two hubs
//! cannot deadlock on them. When a group's transaction fails (a server
//! fault, a lock timeout), nothing of it was committed, and its actions
//! are written again one by one, each failing or not on its own.
//! 开单 (`import_waybill`) is never grouped: it reads the rate card in
//! round trips of its own.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::Utc;
use tokio::sync::oneshot;

use super::Storage;
use super::orders_write::{ActionWrite, answer, replay};
use super::pg_orders_write::{
    FAILED_REASONS, RETURN_REASONS, STORED_MANY, Stored, Upkeep, act, begin, push_reasons, reasons,
    revision, stored_row,
};
use super::pg_pipeline::{Batch, Tx, p};
use super::postgres::Postgres;
use crate::domain::order::Action;
use crate::hub::HubState;
use crate::hub::error::ApiError;

/// A group holds at most this many actions.
const MOST: usize = 32;
/// Groups written at once by one hub: while one waits for the disk or the
/// shared rows, the next reads its orders.
const LEADERS: usize = 2;

type Answer = Result<(u16, String), ApiError>;

/// An action waiting for its group.
struct Waiting {
    w: ActionWrite,
    action: Action,
    answer: oneshot::Sender<Answer>,
}

/// The actions waiting on one hub, and how many groups it is writing.
#[derive(Default)]
pub struct ActionGroups(Mutex<Queue>);

#[derive(Default)]
struct Queue {
    waiting: Vec<Waiting>,
    leaders: usize,
}

impl ActionGroups {
    /// Queues an action; true when the caller must start a leader (fewer
    /// than [`LEADERS`] are writing).
    fn join(&self, waiting: Waiting) -> bool {
        let mut q = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        q.waiting.push(waiting);
        if q.leaders < LEADERS {
            q.leaders += 1;
            true
        } else {
            false
        }
    }

    /// The next group, oldest first: up to [`MOST`] actions, each order
    /// and each key once. `None` when nothing waits: the leader asking
    /// then stops.
    fn next(&self) -> Option<Vec<Waiting>> {
        let mut q = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if q.waiting.is_empty() {
            q.leaders = q.leaders.saturating_sub(1);
            return None;
        }
        let mut orders = HashSet::new();
        let mut keys = HashSet::new();
        let mut group = Vec::new();
        let mut rest = Vec::new();
        for w in std::mem::take(&mut q.waiting) {
            if group.len() < MOST && !orders.contains(&w.w.order_no) && !keys.contains(&w.w.key) {
                orders.insert(w.w.order_no.clone());
                keys.insert(w.w.key.clone());
                group.push(w);
            } else {
                rest.push(w);
            }
        }
        q.waiting = rest;
        Some(group)
    }

    /// A leader that stopped without asking [`ActionGroups::next`] (it
    /// panicked): the next action starts another.
    fn leader_lost(&self) {
        let mut q = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        q.leaders = q.leaders.saturating_sub(1);
    }
}

/// [`HubState::order_action`] on PostgreSQL: the answer, once written
/// (alone or in a group), and this hub's waiting feeds woken.
pub async fn order_action(state: &Arc<HubState>, pg: &Postgres, w: ActionWrite) -> Answer {
    let action = match serde_json::from_value::<Action>(w.action.clone()) {
        Ok(Action::ImportWaybill { .. }) | Err(_) => return alone(state, pg, &w).await,
        Ok(a) => a,
    };
    let (tx, rx) = oneshot::channel();
    let lead = pg.groups.join(Waiting {
        w,
        action,
        answer: tx,
    });
    if lead {
        // A task of its own: the group must be written even when the
        // request that started it is given up.
        tokio::spawn(leader(state.clone()));
    }
    rx.await
        .unwrap_or_else(|_| Err(ApiError::internal("an action's group stopped unanswered")))
}

/// One action in a transaction of its own.
async fn alone(state: &Arc<HubState>, pg: &Postgres, w: &ActionWrite) -> Answer {
    let (answer, touched) = pg.order_action(state, w).await?;
    state.wakes.wake(&touched);
    Ok(answer)
}

/// Counts a leader out when it ends by a panic.
struct Lead<'a>(&'a ActionGroups, bool);

impl Drop for Lead<'_> {
    fn drop(&mut self) {
        if self.1 {
            self.0.leader_lost();
        }
    }
}

/// Writes groups until none waits.
async fn leader(state: Arc<HubState>) {
    let Storage::Postgres(pg) = &state.storage else {
        return;
    };
    let mut lead = Lead(&pg.groups, true);
    loop {
        let Some(group) = pg.groups.next() else {
            lead.1 = false;
            return;
        };
        if group.len() > 1 {
            match pg.action_group(&state, &group).await {
                Ok(answers) => {
                    for (g, a) in group.into_iter().zip(answers) {
                        // The caller may have given up: the answer is
                        // stored under its key all the same.
                        let _ = g.answer.send(a);
                    }
                    continue;
                }
                Err(e) => tracing::warn!(
                    actions = group.len(),
                    "PostgreSQL: a group of actions failed ({e:?}); writing them one by one"
                ),
            }
        }
        for g in group {
            let a = alone(&state, pg, &g.w).await;
            let _ = g.answer.send(a);
        }
    }
}

impl Postgres {
    /// Writes `group` in one transaction: each action's answer, in order.
    /// `Err` when the transaction failed (then nothing of it committed).
    async fn action_group(
        &self,
        state: &HubState,
        group: &[Waiting],
    ) -> Result<Vec<Answer>, ApiError> {
        let mut tx = Tx::new(self.conn().await?);
        let mut first = Batch::default();
        let col = |f: fn(&ActionWrite) -> &String| -> Vec<String> {
            group.iter().map(|g| f(&g.w).clone()).collect()
        };
        let keys = col(|w| &w.key);
        // Claimed in key order: two groups through two hubs sharing keys
        // (a resend) wait for each other in one order.
        let claim = first.push(
            "INSERT INTO idempotency(key, login, request, status, response, created_at)
             SELECT k, l, r, 0, '', $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS c(k, l, r)
             ORDER BY k ON CONFLICT (key) DO NOTHING RETURNING key",
            vec![
                p(keys.clone()),
                p(group
                    .iter()
                    .map(|g| g.w.staff.login.clone())
                    .collect::<Vec<_>>()),
                p(col(|w| &w.request)),
                p(Utc::now()),
            ],
        );
        let rev = begin(&mut first);
        let orders = first.push(STORED_MANY, vec![p(col(|w| &w.order_no))]);
        let reasons_at = push_reasons(&mut first);
        let rows = tx.run(first).await?;
        let claimed: HashSet<String> = rows[claim].iter().map(|r| r.get(0)).collect();
        let mut stored: HashMap<String, Stored> = HashMap::new();
        for r in &rows[orders] {
            stored.insert(r.get(16), stored_row(r)?);
        }
        let revision = revision(&rows[rev]);
        let return_reasons = reasons(&rows[reasons_at], RETURN_REASONS)?;
        let failed_reasons = reasons(&rows[reasons_at], FAILED_REASONS)?;
        let c = tx.client();
        let mut replays: HashMap<String, (String, String, u16, String)> = HashMap::new();
        let unclaimed: Vec<&String> = keys.iter().filter(|k| !claimed.contains(*k)).collect();
        if !unclaimed.is_empty() {
            let st = c
                .prepare_cached(
                    "SELECT key, login, request, status, response FROM idempotency WHERE key = ANY($1)",
                )
                .await?;
            for r in c.query(&st, &[&unclaimed]).await? {
                let status: i64 = r.get(3);
                replays.insert(
                    r.get(0),
                    (
                        r.get(1),
                        r.get(2),
                        u16::try_from(status).unwrap_or(500),
                        r.get(4),
                    ),
                );
            }
        }
        let tree = state.pg_tree_at(&**c, revision).await?;
        let mut up = Upkeep::new(self, tree.clone(), revision);
        let mut answers = Vec::with_capacity(group.len());
        let mut stored_answers: (Vec<String>, Vec<i64>, Vec<String>) = Default::default();
        let mut refused_before = None;
        for g in group {
            let w = &g.w;
            if !claimed.contains(&w.key) {
                let first_answer = replays
                    .remove(&w.key)
                    .ok_or_else(|| ApiError::internal("a key neither claimed nor stored"))?;
                answers.push(replay(w, first_answer));
                continue;
            }
            let outcome = act(
                c,
                &mut up,
                &tree,
                &w.staff,
                stored.remove(&w.order_no),
                &g.action,
                (&return_reasons[..], &failed_reasons[..]),
            )
            .await
            .map(|(o, _)| o);
            // A server fault fails the group: its actions go again alone.
            let (status, text) = answer(outcome, w.lang)?;
            if status != 200 {
                refused_before = Some(match refused_before {
                    Some(t) if t < w.refused_before => t,
                    _ => w.refused_before,
                });
            }
            stored_answers.0.push(w.key.clone());
            stored_answers.1.push(i64::from(status));
            stored_answers.2.push(text.clone());
            answers.push(Ok((status, text)));
        }
        if let Some(before) = refused_before {
            up.writes.push(
                "DELETE FROM idempotency WHERE status <> 200 AND created_at < $1",
                vec![p(before)],
            );
        }
        if !stored_answers.0.is_empty() {
            let (k, s, t) = stored_answers;
            up.writes.push(
                "UPDATE idempotency i SET status = a.status, response = a.response
                 FROM unnest($1::text[], $2::bigint[], $3::text[]) AS a(key, status, response)
                 WHERE i.key = a.key",
                vec![p(k), p(s), p(t)],
            );
        }
        let touched = up
            .finish(tx)
            .await?
            .ok_or_else(|| ApiError::internal("an action inserted no order"))?;
        state.wakes.wake(&touched);
        Ok(answers)
    }
}
