//! Every list the clerk can pick (the pool, the whole cache, any outlet's
//! subtree, any status, both sorts) against a brute-force reading of the
//! same orders: random orders in a real cache file, some billed by another
//! outlet (代开), then reassigned, changed, removed, and the network itself
//! changed under them. Pages, exact counts and the waiting count must
//! match after every step.

use crate::common;
use common::outlet;
use std::collections::{BTreeMap, HashMap};

use chrono::{TimeZone, Utc};
use outlet_desk::api::ChangesPage;
use outlet_desk::domain::{Order, Outlet, Status};
use outlet_desk::hub::demo::{Dice, demo_order};
use outlet_desk::store::{ListFilter, PageQuery, SortOrder, Store};

/// The network as the test knows it: code → parent.
struct Net(BTreeMap<String, Option<String>>);

impl Net {
    fn outlets(&self) -> Vec<Outlet> {
        self.0
            .iter()
            .map(|(c, p)| outlet(c, p.as_deref()))
            .collect()
    }

    /// `code` is `root` or below it.
    fn under(&self, code: &str, root: &str) -> bool {
        let mut at = Some(code.to_owned());
        let mut hops = 0;
        while let Some(c) = at {
            if !self.0.contains_key(&c) || hops > 50 {
                return false;
            }
            if c == root {
                return true;
            }
            at = self.0.get(&c).cloned().flatten();
            hops += 1;
        }
        false
    }

    /// What the clerk means by each list, read straight off the orders.
    fn shows(&self, filter: &ListFilter, o: &Order) -> bool {
        let current = o.current_outlet_code.clone().unwrap_or_default();
        match filter {
            ListFilter::All => true,
            ListFilter::Pool { hq_code } => {
                current.is_empty() || &current == hq_code || !self.0.contains_key(&current)
            }
            ListFilter::Subtree(root) => {
                self.under(&current, root)
                    || o.billing_outlet_code
                        .as_deref()
                        .is_some_and(|b| self.under(b, root))
            }
            ListFilter::Outlets(codes) => codes.contains(&current),
        }
    }
}

struct World {
    dice: Dice,
    net: Net,
    orders: HashMap<String, Order>,
    store: Store,
    seq: u64,
}

impl World {
    fn roll(&mut self, n: u64) -> u64 {
        self.dice.roll() % n
    }

    fn some_code(&mut self) -> Option<String> {
        let codes: Vec<String> = self.net.0.keys().cloned().collect();
        match self.roll(10) {
            0 => None,
            // Addressed to an outlet the network does not (yet) have.
            1 => Some("GONE".into()),
            _ => Some(codes[self.roll(codes.len() as u64) as usize].clone()),
        }
    }

    fn random_order(&mut self, i: usize) -> Order {
        // Few distinct times, so ties on placed time are common.
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap()
            + chrono::Duration::minutes(self.roll(40) as i64);
        let current = self.some_code();
        let mut o = demo_order(&mut self.dice, at).into_order(current, at);
        o.order_no = format!("N{i:04}");
        self.mutate(&mut o);
        o.version = 1;
        o
    }

    /// A new state, place, billing outlet and phone mark.
    fn mutate(&mut self, o: &mut Order) {
        o.status = Status::ALL[self.roll(Status::ALL.len() as u64) as usize];
        if self.roll(3) == 0 {
            o.current_outlet_code = self.some_code();
        }
        o.billing_outlet_code = if self.roll(3) == 0 {
            self.some_code()
        } else {
            None
        };
        o.contacted_at = (self.roll(2) == 0).then(Utc::now);
        o.version += 1;
    }

    fn pull(&mut self, orders: Vec<Order>, removed: Vec<String>) {
        self.pull_page(orders, removed, false);
    }

    /// One page; `more` when the feed has more behind it (a cold sync's
    /// pages are a bulk load, indexed when its last page comes).
    fn pull_page(&mut self, orders: Vec<Order>, removed: Vec<String>, more: bool) {
        self.seq += 1;
        for o in &orders {
            self.orders.insert(o.order_no.clone(), o.clone());
        }
        for no in &removed {
            self.orders.remove(no);
        }
        self.store
            .apply_page(&ChangesPage {
                orders,
                removed,
                cursor: format!("{}.t", self.seq),
                more,
                server_time: Utc::now(),
                params_revision: 0,
                rate_revision: 0,
            })
            .expect("page");
    }

    fn selectors(&self) -> Vec<ListFilter> {
        let mut v = vec![
            ListFilter::All,
            ListFilter::Pool {
                hq_code: "HQ".into(),
            },
        ];
        v.extend(self.net.0.keys().map(|c| ListFilter::Subtree(c.clone())));
        v
    }

    fn check(&self, step: &str) {
        let mut statuses: Vec<Option<Status>> = vec![None];
        statuses.extend(Status::ALL.iter().copied().map(Some));
        for filter in self.selectors() {
            for status in &statuses {
                for sort in [SortOrder::OldestFirst, SortOrder::NewestFirst] {
                    let mut want: Vec<&Order> = self
                        .orders
                        .values()
                        .filter(|o| self.net.shows(&filter, o))
                        .filter(|o| status.is_none_or(|s| o.status == s))
                        .collect();
                    want.sort_by_key(|o| (o.created_at, o.order_no.clone()));
                    if sort == SortOrder::NewestFirst {
                        want.reverse();
                    }
                    let want: Vec<String> = want.iter().map(|o| o.order_no.clone()).collect();
                    for (offset, limit) in [(0, 7), (7, 7), (0, 500)] {
                        let q = PageQuery {
                            filter: filter.clone(),
                            status: *status,
                            sort,
                            offset,
                            limit,
                        };
                        let (rows, total) = self.store.page(&q).expect("page");
                        let got: Vec<String> = rows.into_iter().map(|r| r.order.order_no).collect();
                        let end = (offset + limit).min(want.len() as i64) as usize;
                        let expect = want.get(offset as usize..end).unwrap_or(&[]);
                        assert_eq!(got, expect, "{step}: page of {q:?}");
                        assert_eq!(total, want.len() as i64, "{step}: count of {q:?}");
                    }
                }
            }
        }
        let waiting = self
            .orders
            .values()
            .filter(|o| o.status == Status::Pending && o.contacted_at.is_none())
            .count() as i64;
        assert_eq!(
            self.store.uncontacted().expect("waiting"),
            waiting,
            "{step}: waiting count"
        );
    }
}

#[test]
fn every_list_and_count_matches_a_brute_force_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, _) = Store::open(&dir.path().join("cache.db")).expect("open");
    store.claim("hq.disp").expect("claim");
    let mut net = BTreeMap::new();
    for (c, p) in [
        ("HQ", None),
        ("B1", Some("HQ")),
        ("B2", Some("HQ")),
        ("F11", Some("B1")),
        ("F12", Some("B1")),
        ("F21", Some("B2")),
        ("P111", Some("F11")),
        ("P112", Some("F11")),
        ("P121", Some("F12")),
        ("P211", Some("F21")),
    ] {
        net.insert(c.to_owned(), p.map(str::to_owned));
    }
    let mut w = World {
        dice: Dice::seeded(11),
        net: Net(net),
        orders: HashMap::new(),
        store,
        seq: 0,
    };
    w.store
        .replace_outlets(1, &w.net.outlets())
        .expect("outlets");

    // A cold sync: its pages are a bulk load.
    let first: Vec<Order> = (0..300).map(|i| w.random_order(i)).collect();
    let pages = first.chunks(70).count();
    for (k, chunk) in first.chunks(70).enumerate() {
        w.pull_page(chunk.to_vec(), Vec::new(), k + 1 < pages);
    }
    w.check("first pull");

    // Reassignments, state changes, 代开, phone marks; some orders leave.
    for round in 0..3 {
        let mut nos: Vec<String> = w.orders.keys().cloned().collect();
        nos.sort();
        let mut changed = Vec::new();
        let mut removed = Vec::new();
        for no in nos {
            match w.roll(6) {
                0 => removed.push(no),
                1 | 2 => {
                    let mut o = w.orders[&no].clone();
                    w.mutate(&mut o);
                    changed.push(o);
                }
                _ => {}
            }
        }
        let stale = changed.first().map(|o| {
            let mut stale = o.clone();
            stale.version -= 1;
            stale.status = Status::Closed;
            stale
        });
        w.pull(changed, removed);
        // A stale copy never replaces a newer one.
        if let Some(stale) = stale {
            w.seq += 1;
            w.store
                .apply_page(&ChangesPage {
                    orders: vec![stale],
                    removed: Vec::new(),
                    cursor: format!("{}.t", w.seq),
                    more: false,
                    server_time: Utc::now(),
                    params_revision: 0,
                    rate_revision: 0,
                })
                .expect("stale page");
        }
        w.check(&format!("changes, round {round}"));
    }

    // The network changes under the orders: a branch's office moves to the
    // other branch, an outlet is deleted (its orders fall to the pool), the
    // outlet orders were addressed to appears, a new empty outlet opens.
    w.net.0.insert("F12".into(), Some("B2".into()));
    w.store
        .put_outlet(&outlet("F12", Some("B2")))
        .expect("move");
    w.check("an office moved");
    w.net.0.remove("P112");
    w.store.remove_outlet("P112").expect("delete");
    w.check("an outlet deleted");
    w.net.0.insert("GONE".into(), Some("F21".into()));
    w.net.0.insert("NEW".into(), Some("F11".into()));
    w.store
        .replace_outlets(2, &w.net.outlets())
        .expect("outlets");
    w.check("outlets added");

    // More orders after the moves, and a reopen of the file.
    let more: Vec<Order> = (300..400).map(|i| w.random_order(i)).collect();
    w.pull(more, Vec::new());
    let path = w.store.path().to_path_buf();
    let (reopened, problem) = Store::open(&path).expect("reopen");
    assert!(problem.is_none());
    w.store = reopened;
    w.check("after reopening");

    // The network as a branch clerk may hold it: one branch's subtree, its
    // parent not cached. The whole cache is still every order, once.
    let branch: Vec<String> = w
        .net
        .0
        .keys()
        .filter(|c| w.net.under(c, "B1"))
        .cloned()
        .collect();
    w.net.0.retain(|c, _| branch.contains(c));
    w.store
        .replace_outlets(3, &w.net.outlets())
        .expect("outlets");
    w.check("a network without its top");
}
