//! Who a write wakes: long polls (`wait=`) wait on the channel of their
//! own outlet, and a write wakes only the ancestors whose change log it
//! wrote to, so 20,000 waiting clerks cost one look each per write in
//! their view, not per write anywhere. The whole network's feed (HQ)
//! and a change of the network itself (an outlet moved, added or
//! deleted: views change) wake everyone.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use tokio::sync::watch;

/// What one write touched.
#[derive(Debug, Default)]
pub struct Touched {
    /// Ancestors whose change log got a row.
    ancestors: HashSet<String>,
    /// The network changed: every view may have.
    everyone: bool,
}

impl Touched {
    /// Every view may have changed.
    pub fn everyone(&self) -> bool {
        self.everyone
    }

    /// Ancestors whose change log got a row.
    pub fn ancestors(&self) -> impl Iterator<Item = &String> {
        self.ancestors.iter()
    }

    /// A write that touched `ancestors` (as another hub reported it).
    pub fn of(ancestors: impl IntoIterator<Item = String>) -> Self {
        Touched {
            ancestors: ancestors.into_iter().collect(),
            everyone: false,
        }
    }

    /// A write that changed what every view may see.
    pub fn everyone_touched() -> Self {
        Touched {
            ancestors: HashSet::new(),
            everyone: true,
        }
    }
}

thread_local! {
    /// Filled while a write runs on this (blocking) thread.
    static TOUCHED: RefCell<Option<Touched>> = const { RefCell::new(None) };
}

/// Runs the write `f`, noting what it touched.
pub fn collect<T>(f: impl FnOnce() -> T) -> (T, Touched) {
    TOUCHED.with(|t| *t.borrow_mut() = Some(Touched::default()));
    let out = f();
    let touched = TOUCHED.with(|t| t.borrow_mut().take()).unwrap_or_default();
    (out, touched)
}

/// The change log of `ancestors` got a row (called inside a write).
pub fn logged(ancestors: &[String]) {
    TOUCHED.with(|t| {
        if let Some(t) = t.borrow_mut().as_mut() {
            t.ancestors.extend(ancestors.iter().cloned());
        }
    });
}

/// The network, the parameters or the rate card changed: something every
/// client's feed reports (called inside a write).
pub fn network_changed() {
    TOUCHED.with(|t| {
        if let Some(t) = t.borrow_mut().as_mut() {
            t.everyone = true;
        }
    });
}

/// The wake channels: one for the whole network, one per outlet that has
/// a waiting client.
#[derive(Debug)]
pub struct Wakes {
    all: watch::Sender<u64>,
    by_outlet: Mutex<HashMap<String, watch::Sender<u64>>>,
}

impl Default for Wakes {
    fn default() -> Self {
        Wakes {
            all: watch::Sender::new(0),
            by_outlet: Mutex::new(HashMap::new()),
        }
    }
}

fn bump(s: &watch::Sender<u64>) {
    s.send_modify(|n| *n = n.wrapping_add(1));
}

impl Wakes {
    /// Woken by every write.
    pub fn all(&self) -> watch::Receiver<u64> {
        self.all.subscribe()
    }

    /// Woken by a write in `outlet`'s subtree, or to the network.
    pub fn outlet(&self, outlet: &str) -> watch::Receiver<u64> {
        let mut map = self
            .by_outlet
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.entry(outlet.to_owned())
            .or_insert_with(|| watch::Sender::new(0))
            .subscribe()
    }

    /// After a write.
    pub fn wake(&self, t: &Touched) {
        bump(&self.all);
        let mut map = self
            .by_outlet
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Outlets nobody waits on any more go.
        map.retain(|_, s| s.receiver_count() > 0);
        if t.everyone {
            map.values().for_each(bump);
            return;
        }
        for anc in &t.ancestors {
            if let Some(s) = map.get(anc) {
                bump(s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_wakes_its_ancestors_and_the_network_wakes_everyone() {
        let w = Wakes::default();
        let (mut a, b, mut all) = (w.outlet("A"), w.outlet("B"), w.all());
        let ((), t) = collect(|| logged(&["A".into(), "HQ".into()]));
        w.wake(&t);
        assert!(a.has_changed().unwrap_or(false));
        assert!(!b.has_changed().unwrap_or(true), "B saw nothing change");
        assert!(all.has_changed().unwrap_or(false));
        a.mark_unchanged();
        all.mark_unchanged();
        let ((), t) = collect(network_changed);
        w.wake(&t);
        assert!(a.has_changed().unwrap_or(false) && b.has_changed().unwrap_or(false));
    }

    #[test]
    fn nothing_is_noted_outside_a_write() {
        logged(&["A".into()]);
        let ((), t) = collect(|| ());
        assert!(t.ancestors.is_empty() && !t.everyone);
    }
}
