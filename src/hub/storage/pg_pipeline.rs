//! Statements sent to PostgreSQL together (issue 15's write throughput):
//! a [`Batch`] collects the statements of one step of a write and
//! [`Tx`] sends them in one go, so the step costs one round trip instead
//! of one per statement. PostgreSQL runs them one after another, in the
//! order pushed, as if each had been awaited before the next was sent;
//! the first that fails aborts the transaction and the rest fail with it.
//!
//! Measured on the pg_hubs bench (wait events sampled during the load):
//! an action took about 24 round trips and an inbound order about 12,
//! and most writers waited on rows the writer ahead of them held while
//! the hub, on a machine whose two cores also run the load, got round to
//! sending its next statement. So [`Tx`] also sends `BEGIN` with the
//! first step and `COMMIT` with the last: the rows every writer needs,
//! written by the last step, are held only while the server runs it.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use deadpool_postgres::{ClientWrapper, Object};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::hub::error::ApiError;

/// A statement's parameter, owned by the batch until it is sent.
pub(crate) type Param = Box<dyn ToSql + Sync + Send>;

/// `v` as a [`Param`].
pub(crate) fn p<T: ToSql + Sync + Send + 'static>(v: T) -> Param {
    Box::new(v)
}

/// The statements of one step, in order.
#[derive(Default)]
pub(crate) struct Batch {
    items: Vec<(String, Vec<Param>)>,
}

impl Batch {
    /// Adds a statement; its rows come back at the returned index.
    pub fn push(&mut self, sql: impl Into<String>, params: Vec<Param>) -> usize {
        self.items.push((sql.into(), params));
        self.items.len() - 1
    }
}

/// Where a [`Tx`] is.
#[derive(PartialEq, Eq)]
enum Stage {
    /// `BEGIN` goes out with the first step.
    NotBegun,
    Open,
    /// Committed or rolled back.
    Ended,
}

/// One READ COMMITTED write transaction on a pooled connection whose
/// `BEGIN` and `COMMIT` travel with its first and last steps. Dropped
/// while open (an error, or the request given up mid-write), it takes its
/// connection out of the pool and closes it, and the server rolls the
/// transaction back: no connection goes back to the pool inside a
/// transaction.
pub(crate) struct Tx {
    conn: Option<Object>,
    stage: Stage,
}

type Answer<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<Row>, tokio_postgres::Error>> + Send + 'a>>;

impl Tx {
    pub fn new(conn: Object) -> Tx {
        Tx {
            conn: Some(conn),
            stage: Stage::NotBegun,
        }
    }

    /// The connection, for a statement of its own round trip (after the
    /// first step).
    pub fn client(&self) -> &ClientWrapper {
        match &self.conn {
            Some(c) => c,
            None => unreachable!("a Tx holds its connection until dropped"),
        }
    }

    /// Sends `b` (with `BEGIN` first when this is the first step) and
    /// returns each statement's rows, in order.
    pub async fn run(&mut self, b: Batch) -> Result<Vec<Vec<Row>>, ApiError> {
        let begin = self.stage == Stage::NotBegun;
        self.stage = Stage::Open;
        send(self.client(), b, begin, false).await
    }

    /// Sends `b`, the last step, with `COMMIT` after it, and returns its
    /// rows once committed. `Err` when any statement or the commit
    /// failed: then nothing of the transaction was committed.
    pub async fn commit_with(mut self, b: Batch) -> Result<Vec<Vec<Row>>, ApiError> {
        let begin = self.stage == Stage::NotBegun;
        let out = send(self.client(), b, begin, true).await;
        // Committed, or rolled back by a failed statement (PostgreSQL
        // answers COMMIT in an aborted transaction by rolling it back).
        self.stage = Stage::Ended;
        out
    }

    /// Commits what was sent.
    pub async fn commit(self) -> Result<(), ApiError> {
        self.commit_with(Batch::default()).await.map(|_| ())
    }

    /// Rolls back what was sent.
    pub async fn rollback(mut self) -> Result<(), ApiError> {
        if self.stage == Stage::Open {
            self.client().batch_execute("ROLLBACK").await?;
        }
        self.stage = Stage::Ended;
        Ok(())
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if self.stage == Stage::Open
            && let Some(c) = self.conn.take()
        {
            // Out of the pool and closed: the server ends the transaction.
            drop(Object::take(c));
        }
    }
}

/// Sends `b`'s statements in one go (each text prepared once per
/// connection), between `BEGIN` and `COMMIT` when asked.
async fn send(
    c: &ClientWrapper,
    b: Batch,
    begin: bool,
    commit: bool,
) -> Result<Vec<Vec<Row>>, ApiError> {
    // Each text prepared once, even when pushed several times.
    let mut texts: Vec<&str> = Vec::new();
    let at: Vec<usize> = b
        .items
        .iter()
        .map(|(sql, _)| match texts.iter().position(|t| *t == sql) {
            Some(i) => i,
            None => {
                texts.push(sql);
                texts.len() - 1
            }
        })
        .collect();
    let prepared = all(texts.iter().map(|sql| {
        let f: Pin<Box<dyn Future<Output = _> + Send>> = Box::pin(c.prepare_cached(sql));
        f
    }))
    .await?;
    let params: Vec<Vec<&(dyn ToSql + Sync)>> = b
        .items
        .iter()
        .map(|(_, ps)| {
            ps.iter()
                .map(|b| &**b as &(dyn ToSql + Sync))
                .collect::<Vec<_>>()
        })
        .collect();
    let simple = |sql: &'static str| -> Answer<'_> {
        Box::pin(async move { c.batch_execute(sql).await.map(|()| Vec::new()) })
    };
    let mut steps: Vec<Answer<'_>> = Vec::with_capacity(at.len() + 2);
    if begin {
        steps.push(simple("BEGIN"));
    }
    for (i, ps) in at.iter().zip(&params) {
        let statement = &prepared[*i];
        steps.push(Box::pin(async move { c.query(statement, ps).await }));
    }
    if commit {
        steps.push(simple("COMMIT"));
    }
    let mut rows = all(steps.into_iter()).await?;
    if commit {
        rows.pop();
    }
    if begin {
        rows.remove(0);
    }
    Ok(rows)
}

/// Awaits every future of `futures` together, polling them in order (so a
/// query future sends its statement in that order on its first poll), and
/// returns their outputs in order, or the error of the first (in order)
/// that failed: the ones after a failed statement fail only because it
/// did.
async fn all<'a, T, E>(
    futures: impl Iterator<Item = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>>>,
) -> Result<Vec<T>, E> {
    let mut pending: Vec<_> = futures.collect();
    let mut done: Vec<Option<Result<T, E>>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut waiting = false;
        for (f, out) in pending.iter_mut().zip(done.iter_mut()) {
            if out.is_some() {
                continue;
            }
            match f.as_mut().poll(cx) {
                Poll::Ready(r) => *out = Some(r),
                Poll::Pending => waiting = true,
            }
        }
        if waiting {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    done.into_iter().flatten().collect()
}
