//! The scope index's order rows rebuilt in one sorted pass (issue 11):
//! every order's ancestors are looked up in memory, the rows sorted here
//! and written in the index's own key order, so its B-tree is only ever
//! appended to, and the counts are added up on the way.
//!
//! The same rows as the SQL it replaced (a join with `outlet_closure`, a
//! UNION and a GROUP BY over the result), which spent most of a cold
//! sync's indexing time in SQLite's sorter: at 100k orders about 400k text
//! rows were sorted there, and the counts read them all back.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{Connection, params};

use crate::scope_index::{ALL, POOL, WAITING};

/// One order's index columns, its text kept in [`Orders::text`] (one
/// buffer rather than a million small strings: a cold sync's memory is
/// given back whole when it ends).
struct Row {
    order_no: (u32, u32),
    created_at: At,
    status: u8,
}

/// Placed time as the orders table stores it: milliseconds (the client)
/// or RFC 3339 text (the hub).
enum At {
    Int(i64),
    Text(u32, u32),
    Other(Value),
}

struct Orders {
    text: String,
    rows: Vec<Row>,
    statuses: Vec<String>,
}

impl Orders {
    fn str(&self, (at, len): (u32, u32)) -> &str {
        &self.text[at as usize..(at + len) as usize]
    }

    fn push_str(&mut self, s: &str) -> (u32, u32) {
        let at = self.text.len() as u32;
        self.text.push_str(s);
        (at, s.len() as u32)
    }

    fn status(&mut self, s: &str) -> u8 {
        match self.statuses.iter().position(|k| k == s) {
            Some(i) => i as u8,
            None => {
                self.statuses.push(s.to_owned());
                (self.statuses.len() - 1) as u8
            }
        }
    }

    fn at_value(&self, a: &At) -> Value {
        match a {
            At::Int(v) => Value::Integer(*v),
            At::Text(s, n) => Value::Text(self.str((*s, *n)).to_owned()),
            At::Other(v) => v.clone(),
        }
    }

    /// The index's order of placed time (as SQLite compares the column:
    /// numbers before text); only the writes' locality depends on it.
    fn cmp_at(&self, a: &At, b: &At) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (a, b) {
            (At::Int(x), At::Int(y)) => x.cmp(y),
            (At::Text(s, n), At::Text(t, m)) => self.str((*s, *n)).cmp(self.str((*t, *m))),
            (At::Int(_), _) => Ordering::Less,
            (_, At::Int(_)) => Ordering::Greater,
            _ => Ordering::Equal,
        }
    }
}

/// Every outlet's ancestors, as indexes into `names`.
struct Closure {
    names: Vec<String>,
    of: HashMap<String, Vec<u32>>,
}

impl Closure {
    fn read(c: &Connection) -> rusqlite::Result<Closure> {
        let mut names: Vec<String> = Vec::new();
        let mut id: HashMap<String, u32> = HashMap::new();
        let mut of: HashMap<String, Vec<u32>> = HashMap::new();
        let mut st = c.prepare("SELECT code, anc FROM outlet_closure")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let code: String = r.get(0)?;
            let anc: String = r.get(1)?;
            let n = *id.entry(anc.clone()).or_insert_with(|| {
                names.push(anc);
                (names.len() - 1) as u32
            });
            of.entry(code).or_default().push(n);
        }
        Ok(Closure { names, of })
    }

    fn id(&mut self, name: &str) -> u32 {
        match self.names.iter().position(|n| n == name) {
            Some(i) => i as u32,
            None => {
                self.names.push(name.to_owned());
                (self.names.len() - 1) as u32
            }
        }
    }
}

/// Replaces `order_scope` and `scope_count` with what `keyed` (the
/// layout's `SELECT order_no, status, created_at, contacted, cur, bill`)
/// lists: each order under its current outlet's ancestors (the pool when
/// the network does not have it), and under its billing outlet's
/// ancestors other than the pool; the whole table's counts under
/// [`ALL`], with [`WAITING`] for pending orders not yet phoned.
pub fn rebuild_orders(c: &Connection, keyed: &str) -> rusqlite::Result<()> {
    c.execute_batch("DELETE FROM order_scope; DELETE FROM scope_count;")?;
    let mut closure = Closure::read(c)?;
    let pool = closure.id(POOL);
    let mut orders = Orders {
        text: String::new(),
        rows: Vec::new(),
        statuses: Vec::new(),
    };
    // (ancestor, order) pairs; the order's position in `orders.rows`.
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut totals: HashMap<u8, i64> = HashMap::new();
    let mut waiting = 0i64;
    {
        let mut st = c.prepare(keyed)?;
        let mut rows = st.query([])?;
        let mut ancs: Vec<u32> = Vec::new();
        while let Some(r) = rows.next()? {
            let order_no = orders.push_str(r.get_ref(0)?.as_str()?);
            let status_text = r.get_ref(1)?.as_str()?;
            let status = orders.status(status_text);
            let created_at = match r.get_ref(2)? {
                rusqlite::types::ValueRef::Integer(v) => At::Int(v),
                rusqlite::types::ValueRef::Text(_) => {
                    let (s, n) = orders.push_str(r.get_ref(2)?.as_str()?);
                    At::Text(s, n)
                }
                _ => At::Other(r.get(2)?),
            };
            let contacted: bool = r.get(3)?;
            *totals.entry(status).or_default() += 1;
            if !contacted && status_text == "pending" {
                waiting += 1;
            }
            ancs.clear();
            match closure.of.get(r.get_ref(4)?.as_str()?) {
                Some(up) => ancs.extend_from_slice(up),
                None => ancs.push(pool),
            }
            let bill = r.get_ref(5)?.as_str()?;
            if !bill.is_empty()
                && let Some(up) = closure.of.get(bill)
            {
                for a in up {
                    if *a != pool && !ancs.contains(a) {
                        ancs.push(*a);
                    }
                }
            }
            let i = orders.rows.len() as u32;
            pairs.extend(ancs.iter().map(|a| (*a, i)));
            orders.rows.push(Row {
                order_no,
                created_at,
                status,
            });
        }
    }
    // The index's key order: ancestor, status, placed time, order number.
    let mut anc_rank: Vec<u32> = vec![0; closure.names.len()];
    {
        let mut by_name: Vec<u32> = (0..closure.names.len() as u32).collect();
        by_name
            .sort_unstable_by(|a, b| closure.names[*a as usize].cmp(&closure.names[*b as usize]));
        for (rank, a) in by_name.into_iter().enumerate() {
            anc_rank[a as usize] = rank as u32;
        }
    }
    let mut status_rank: Vec<u32> = vec![0; orders.statuses.len()];
    {
        let mut by_name: Vec<usize> = (0..orders.statuses.len()).collect();
        by_name.sort_unstable_by(|a, b| orders.statuses[*a].cmp(&orders.statuses[*b]));
        for (rank, s) in by_name.into_iter().enumerate() {
            status_rank[s] = rank as u32;
        }
    }
    pairs.sort_unstable_by(|(a, i), (b, j)| {
        let (x, y) = (&orders.rows[*i as usize], &orders.rows[*j as usize]);
        anc_rank[*a as usize]
            .cmp(&anc_rank[*b as usize])
            .then(status_rank[x.status as usize].cmp(&status_rank[y.status as usize]))
            .then_with(|| orders.cmp_at(&x.created_at, &y.created_at))
            .then_with(|| orders.str(x.order_no).cmp(orders.str(y.order_no)))
    });
    let mut counts: HashMap<(u32, u8), i64> = HashMap::new();
    {
        let mut st = c.prepare(
            "INSERT OR IGNORE INTO order_scope(anc, status, created_at, order_no) VALUES (?1,?2,?3,?4)",
        )?;
        for (a, i) in &pairs {
            let o = &orders.rows[*i as usize];
            let status = &orders.statuses[o.status as usize];
            let at = orders.at_value(&o.created_at);
            let written = st.execute(params![
                closure.names[*a as usize],
                status,
                at,
                orders.str(o.order_no)
            ])?;
            if written > 0 {
                *counts.entry((*a, o.status)).or_default() += 1;
            }
        }
    }
    // In the counts' key order too: appended, not scattered over the table.
    let mut counts: Vec<((u32, u8), i64)> = counts.into_iter().collect();
    counts.sort_unstable_by_key(|((a, s), _)| (anc_rank[*a as usize], status_rank[*s as usize]));
    let mut st = c.prepare("INSERT INTO scope_count(anc, status, n) VALUES (?1, ?2, ?3)")?;
    for ((a, s), n) in counts {
        st.execute(params![
            closure.names[a as usize],
            orders.statuses[s as usize],
            n
        ])?;
    }
    for (s, n) in totals {
        st.execute(params![ALL, orders.statuses[s as usize], n])?;
    }
    st.execute(params![ALL, WAITING, waiting])?;
    Ok(())
}
