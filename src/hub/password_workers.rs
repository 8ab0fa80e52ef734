//! The hub's Argon2 work runs here: a few long-lived threads, each keeping
//! its own working memory from one check to the next, so password memory
//! is at most threads × `m_cost` however many logins arrive. (On tokio's
//! blocking pool every thread that ever ran a check kept ~19 MiB: a login
//! storm took the hub past 1 GiB.)

use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::auth::Scratch;

type Job = Box<dyn FnOnce(&mut Scratch) + Send>;

/// A fixed set of password threads, started on first use (a hub nobody
/// logs in to, as in most tests, starts none) and ended with the hub.
pub struct PasswordWorkers {
    threads: usize,
    jobs: OnceLock<Sender<Job>>,
}

impl PasswordWorkers {
    pub fn new(threads: usize) -> Self {
        PasswordWorkers {
            threads: threads.max(1),
            jobs: OnceLock::new(),
        }
    }

    fn sender(&self) -> &Sender<Job> {
        self.jobs.get_or_init(|| {
            let (tx, rx) = std::sync::mpsc::channel::<Job>();
            let rx = Arc::new(Mutex::new(rx));
            for i in 0..self.threads {
                let rx = rx.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("password-{i}"))
                    .spawn(move || work(&rx));
                if let Err(e) = spawned {
                    tracing::error!("password worker {i} did not start: {e}");
                }
            }
            tx
        })
    }

    /// Queues `f`; its result arrives on the returned channel (closed
    /// without one when no worker could run it).
    fn submit<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Scratch) -> T + Send + 'static,
    ) -> tokio::sync::oneshot::Receiver<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |s| {
            let _ = tx.send(f(s));
        });
        // A failed send drops the job and its reply sender with it.
        let _ = self.sender().send(job);
        rx
    }

    /// Runs `f` on a password worker and waits for it.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Scratch) -> T + Send + 'static,
    ) -> Result<T, String> {
        self.submit(f).await.map_err(|_| stopped())
    }

    /// [`run`](Self::run) from a thread that may block (not an async task):
    /// the first start's seeding.
    pub fn run_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Scratch) -> T + Send + 'static,
    ) -> Result<T, String> {
        self.submit(f).blocking_recv().map_err(|_| stopped())
    }
}

fn stopped() -> String {
    "the password workers stopped".to_owned()
}

/// One worker: takes jobs until the hub (the sender) is gone.
fn work(jobs: &Mutex<Receiver<Job>>) {
    let mut scratch = Scratch::default();
    loop {
        // The lock is held only while waiting for the next job.
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = job else { return };
        // A panicking job loses its own answer (the caller sees an error),
        // not the worker.
        let run = std::panic::AssertUnwindSafe(|| job(&mut scratch));
        if std::panic::catch_unwind(run).is_err() {
            tracing::error!("a password job panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_on_the_named_threads_and_a_panic_costs_only_its_job() {
        let w = PasswordWorkers::new(1);
        let name = w
            .run_blocking(|_| std::thread::current().name().map(str::to_owned))
            .unwrap();
        assert_eq!(name.as_deref(), Some("password-0"));
        assert!(w.run_blocking(|_| -> u8 { panic!("boom") }).is_err());
        assert_eq!(w.run_blocking(|_| 7).unwrap(), 7);
    }
}
