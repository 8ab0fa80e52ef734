//! The hub's order list (`GET /api/v1/orders`) reads its pages and counts
//! from the scope index. Here the index of a real hub database is held
//! against the visibility rule itself (`Scope::sees`, SPEC 3.1 and 3.5:
//! the billing outlet sees what it billed) over random orders that are
//! reassigned, billed elsewhere and change state, while the network is
//! edited under them.
//!
//! SQLite only: it drives the SQLite hub's index functions (`hub::scope`)
//! on a connection directly. PostgreSQL's index is held against SQLite's
//! after the same writes in `conformance_orders` (the `…_leave_the_same_
//! index_and_counters_on_both_engines` checks), and its pages and counts
//! through the API in `conformance_reads` and `orders`.

use crate::common;
use chrono::{TimeZone, Utc};
use common::outlet;
use outlet_desk::domain::visibility::Scope;
use outlet_desk::domain::{Order, OutletTree, Status};
use outlet_desk::hub::demo::{Dice, demo_order};
use outlet_desk::hub::{db, orders, scope};

fn check(c: &rusqlite::Connection, all: &[Order], step: &str) {
    let tree = OutletTree::new(db::outlets(c).expect("outlets"));
    let mut scopes = vec![
        (None, Scope::All),
        (Some(scope::POOL.to_owned()), Scope::Pool),
    ];
    for o in tree.outlets() {
        scopes.push((Some(o.code.clone()), Scope::Subtree(o.code.clone())));
    }
    for (anc, sc) in scopes {
        for status in Status::ALL {
            let mut want: Vec<&Order> = all
                .iter()
                .filter(|o| o.status == status && sc.sees(o, &tree))
                .collect();
            want.sort_by_key(|o| (o.created_at, o.order_no.clone()));
            let want: Vec<&str> = want.iter().map(|o| o.order_no.as_str()).collect();
            for (limit, offset) in [(5, 0), (5, 5), (500, 0)] {
                let (bodies, total) =
                    scope::page(c, anc.as_deref(), status, limit, offset).expect("page");
                let got: Vec<String> = bodies
                    .iter()
                    .map(|b| orders::parse(b).expect("body").order_no)
                    .collect();
                let end = ((offset + limit) as usize).min(want.len());
                let expect = want.get(offset as usize..end).unwrap_or(&[]);
                assert_eq!(got, expect, "{step}: {sc:?} {status:?} at {offset}");
                assert_eq!(
                    total,
                    want.len() as i64,
                    "{step}: count of {sc:?} {status:?}"
                );
            }
        }
    }
}

#[test]
fn the_hub_list_index_matches_the_visibility_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = db::open(&dir.path().join("hub.db")).expect("db");
    for (code, parent) in [
        ("HQ", None),
        ("A", Some("HQ")),
        ("B", Some("HQ")),
        ("A1", Some("A")),
        ("A2", Some("A")),
        ("B1", Some("B")),
        ("A11", Some("A1")),
    ] {
        db::insert_outlet(&c, &outlet(code, parent)).expect("outlet");
    }
    let places = [
        None,
        Some("HQ"),
        Some("A"),
        Some("A1"),
        Some("A2"),
        Some("B"),
        Some("B1"),
        Some("A11"),
        Some("LATER"),
    ];
    let mut d = Dice::seeded(7);
    let pick = |d: &mut Dice| places[(d.roll() % places.len() as u64) as usize];
    let mut all: Vec<Order> = Vec::new();
    for i in 0..150 {
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap()
            + chrono::Duration::minutes((d.roll() % 30) as i64);
        let current = pick(&mut d).map(str::to_owned);
        let mut o = demo_order(&mut d, at).into_order(current, at);
        o.order_no = format!("H{i:03}");
        o.status = Status::ALL[(d.roll() % 6) as usize];
        o.billing_outlet_code = d
            .roll()
            .is_multiple_of(3)
            .then(|| pick(&mut d).map(str::to_owned))
            .flatten();
        orders::put(&c, &o).expect("put");
        all.push(o);
    }
    check(&c, &all, "placed");
    let tree = OutletTree::new(db::outlets(&c).expect("outlets"));
    let roots: Vec<String> = tree.outlets().map(|o| o.code.clone()).collect();
    let seen_by = |root: &str, all: &[Order]| -> Vec<String> {
        let sc = Scope::Subtree(root.to_owned());
        all.iter()
            .filter(|o| sc.sees(o, &tree))
            .map(|o| o.order_no.clone())
            .collect()
    };
    // From the start, a subtree's feed brings exactly what it sees, in
    // change order, whatever the page size.
    for root in &roots {
        let mut got = Vec::new();
        let mut at = 0;
        loop {
            let page = scope::feed(&c, root, at, 7).expect("feed");
            assert!(page.windows(2).all(|w| w[0].0 < w[1].0), "change order");
            if let Some((s, _)) = page.last() {
                at = *s;
            }
            got.extend(
                page.iter()
                    .map(|(_, b)| orders::parse(b).expect("body").order_no),
            );
            if page.len() < 7 {
                break;
            }
        }
        got.sort();
        let mut want = seen_by(root, &all);
        want.sort();
        assert_eq!(got, want, "feed of {root} from the start");
    }
    let head = orders::last_seq(&c).expect("head");
    let before: Vec<Vec<String>> = roots.iter().map(|r| seen_by(r, &all)).collect();
    let mut touched = Vec::new();
    // Reassigned, billed elsewhere, new states.
    for o in all.iter_mut() {
        if d.roll().is_multiple_of(2) {
            touched.push(o.order_no.clone());
            o.current_outlet_code = pick(&mut d).map(str::to_owned);
            o.status = Status::ALL[(d.roll() % 6) as usize];
            if d.roll().is_multiple_of(2) {
                o.billing_outlet_code = pick(&mut d).map(str::to_owned);
            }
            orders::put(&c, o).expect("put");
        }
    }
    check(&c, &all, "changed");
    // From the head before the changes: each subtree gets the changed
    // orders it saw before or sees now (those that left it, to remove).
    for (root, before) in roots.iter().zip(&before) {
        let now = seen_by(root, &all);
        let mut want: Vec<&String> = touched
            .iter()
            .filter(|n| before.contains(n) || now.contains(n))
            .collect();
        want.sort();
        let mut got: Vec<String> = scope::feed(&c, root, head, 1000)
            .expect("feed")
            .iter()
            .map(|(_, b)| orders::parse(b).expect("body").order_no)
            .collect();
        got.sort();
        assert_eq!(
            got.iter().collect::<Vec<_>>(),
            want,
            "feed of {root} after the changes"
        );
        let at_head = orders::last_seq(&c).expect("head");
        assert!(
            scope::feed(&c, root, at_head, 1000)
                .expect("feed")
                .is_empty(),
            "an empty poll at the head"
        );
    }
    // The network changes under them.
    let mut a1 = db::outlet(&c, "A1").expect("read").expect("A1");
    a1.parent_code = Some("B".into());
    let v = a1.version;
    assert!(db::update_outlet(&c, &a1, v).expect("move"));
    check(&c, &all, "A1 moved under B");
    db::delete_outlet(&c, "A2").expect("delete");
    check(&c, &all, "A2 deleted");
    db::insert_outlet(&c, &outlet("LATER", Some("B1"))).expect("outlet");
    check(&c, &all, "LATER added");
}
