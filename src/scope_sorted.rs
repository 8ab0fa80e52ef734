//! The scope index's order rows rebuilt in one sorted pass (issue 11):
//! every order's ancestors are looked up in memory, the rows sorted here
//! and written in the index's own key order, so its B-tree is only ever
//! appended to, and the counts are added up on the way.
//!
//! Each order is ranked once by (placed time, number); an index row is then
//! one `u64` (ancestor's rank, status's rank, order's rank), so the sort
//! compares integers in place rather than chasing two orders' text per
//! comparison — a cold sync of a million orders sorts about four million
//! of them. The counts are the sorted keys' runs.
//!
//! The keys come from the orders table ([`rebuild_orders`]), or, for a bulk
//! load, from what its pages gathered as they were written ([`Gathered`],
//! [`rebuild_gathered`]), so the end of a cold sync does not read the
//! whole table back.

use std::collections::HashMap;

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, params, params_from_iter};

use crate::scope_index::{ALL, POOL, WAITING};

/// Bits of a key for the order's rank; the status's rank takes the next
/// [`STATUS_BITS`], the ancestor's rank the rest.
const ORDER_BITS: u32 = 32;
const STATUS_BITS: u32 = 8;
const ANC_BITS: u32 = 64 - ORDER_BITS - STATUS_BITS;

/// One order's index columns, its text kept in [`Gathered::text`] (one
/// buffer rather than a million small strings: a cold sync's memory is
/// given back whole when it ends).
struct Row {
    order_no: (u32, u32),
    created_at: At,
    status: u8,
    /// Pending and not phoned yet.
    waiting: bool,
    /// Current and billing outlet, as indexes into [`Gathered::outlets`].
    current: u32,
    billing: u32,
}

/// Placed time as the orders table stores it: milliseconds (the client)
/// or RFC 3339 text (the hub); anything else by its index in
/// [`Gathered::others`].
enum At {
    Int(i64),
    Text(u32, u32),
    Other(u32),
}

/// The index columns of every order of a load, in memory.
pub struct Gathered {
    text: String,
    rows: Vec<Row>,
    statuses: Vec<String>,
    others: Vec<Value>,
    outlets: Vec<String>,
    outlet_ids: HashMap<String, u32>,
}

impl Default for Gathered {
    fn default() -> Self {
        Self::new()
    }
}

impl Gathered {
    /// Nothing gathered yet.
    pub fn new() -> Gathered {
        Gathered {
            text: String::new(),
            rows: Vec::new(),
            statuses: Vec::new(),
            others: Vec::new(),
            outlets: Vec::new(),
            outlet_ids: HashMap::new(),
        }
    }

    /// How many orders it holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// One order's index columns (`current`/`billing` empty for none).
    pub fn push(
        &mut self,
        order_no: &str,
        status: &str,
        created_at: ValueRef<'_>,
        contacted: bool,
        current: &str,
        billing: &str,
    ) {
        let order_no = self.push_str(order_no);
        let created_at = match created_at {
            ValueRef::Integer(v) => At::Int(v),
            ValueRef::Text(t) => match std::str::from_utf8(t) {
                Ok(s) => {
                    let (s, n) = self.push_str(s);
                    At::Text(s, n)
                }
                Err(_) => self.other(created_at),
            },
            _ => self.other(created_at),
        };
        let waiting = !contacted && status == "pending";
        let status = self.status(status);
        let current = self.outlet(current.trim());
        let billing = self.outlet(billing.trim());
        self.rows.push(Row {
            order_no,
            created_at,
            status,
            waiting,
            current,
            billing,
        });
    }

    fn other(&mut self, v: ValueRef<'_>) -> At {
        self.others.push(match v {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        });
        At::Other((self.others.len() - 1) as u32)
    }

    fn outlet(&mut self, code: &str) -> u32 {
        if let Some(id) = self.outlet_ids.get(code) {
            return *id;
        }
        let id = self.outlets.len() as u32;
        self.outlets.push(code.to_owned());
        self.outlet_ids.insert(code.to_owned(), id);
        id
    }

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

    fn at_sql(&self, a: &At) -> ToSqlOutput<'_> {
        match a {
            At::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            At::Text(s, n) => ToSqlOutput::Borrowed(ValueRef::Text(self.str((*s, *n)).as_bytes())),
            At::Other(i) => ToSqlOutput::Borrowed(ValueRef::from(&self.others[*i as usize])),
        }
    }

    /// The index's order of placed time (as SQLite compares the column:
    /// numbers before text), then the order number.
    fn cmp_orders(&self, x: &Row, y: &Row) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        let at = match (&x.created_at, &y.created_at) {
            (At::Int(a), At::Int(b)) => a.cmp(b),
            (At::Text(s, n), At::Text(t, m)) => self.str((*s, *n)).cmp(self.str((*t, *m))),
            (At::Int(_), _) => Ordering::Less,
            (_, At::Int(_)) => Ordering::Greater,
            _ => Ordering::Equal,
        };
        at.then_with(|| self.str(x.order_no).cmp(self.str(y.order_no)))
    }

    /// Each order's position in (placed time, number) order: the ranks
    /// are sorted by a number first, the text compared only on a tie.
    fn by_time(&self) -> Vec<u32> {
        let mut keyed: Vec<(i64, u32)> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let k = match r.created_at {
                    At::Int(v) => v,
                    _ => i64::MAX,
                };
                (k, i as u32)
            })
            .collect();
        keyed.sort_unstable_by(|(a, i), (b, j)| {
            a.cmp(b)
                .then_with(|| self.cmp_orders(&self.rows[*i as usize], &self.rows[*j as usize]))
        });
        keyed.into_iter().map(|(_, i)| i).collect()
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

/// Ranks of `names` in byte order (SQLite's BINARY collation).
fn ranks(names: &[String]) -> Vec<u32> {
    let mut by_name: Vec<u32> = (0..names.len() as u32).collect();
    by_name.sort_unstable_by(|a, b| names[*a as usize].cmp(&names[*b as usize]));
    let mut rank = vec![0; names.len()];
    for (r, a) in by_name.into_iter().enumerate() {
        rank[a as usize] = r as u32;
    }
    rank
}

fn too_big(what: &str) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(format!("scope index: too many {what}").into())
}

/// Index rows a statement of the rebuild writes.
const ROWS_PER_INSERT: usize = 256;

fn insert_rows(n: usize) -> String {
    let mut sql =
        String::from("INSERT INTO order_scope(anc, status, created_at, order_no) VALUES ");
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?)");
    }
    sql
}

/// Replaces `order_scope` and `scope_count` with what `keyed` (the
/// layout's `SELECT order_no, status, created_at, contacted, cur, bill`)
/// lists: each order under its current outlet's ancestors (the pool when
/// the network does not have it), and under its billing outlet's
/// ancestors other than the pool; the whole table's counts under
/// [`ALL`], with [`WAITING`] for pending orders not yet phoned.
pub fn rebuild_orders(c: &Connection, keyed: &str) -> rusqlite::Result<()> {
    let mut g = Gathered::new();
    {
        let mut st = c.prepare(keyed)?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            g.push(
                r.get_ref(0)?.as_str()?,
                r.get_ref(1)?.as_str()?,
                r.get_ref(2)?,
                r.get(3)?,
                r.get_ref(4)?.as_str()?,
                r.get_ref(5)?.as_str()?,
            );
        }
    }
    rebuild_gathered(c, &g)
}

/// [`rebuild_orders`] from orders gathered in memory, which must be
/// exactly what the orders table holds.
pub fn rebuild_gathered(c: &Connection, g: &Gathered) -> rusqlite::Result<()> {
    let t0 = std::time::Instant::now();
    c.execute_batch("DELETE FROM order_scope; DELETE FROM scope_count;")?;
    let mut closure = Closure::read(c)?;
    let pool = closure.id(POOL);
    let none: &[u32] = &[];
    // Each outlet's ancestors, looked up once per outlet, not per order.
    let ancestors: Vec<&[u32]> = g
        .outlets
        .iter()
        .map(|code| closure.of.get(code).map_or(none, |v| v.as_slice()))
        .collect();
    if closure.names.len() >= 1 << ANC_BITS {
        return Err(too_big("outlets"));
    }
    if g.statuses.len() >= 1 << STATUS_BITS {
        return Err(too_big("statuses"));
    }
    if g.rows.len() as u64 >= 1 << ORDER_BITS {
        return Err(too_big("orders"));
    }
    let anc_rank = ranks(&closure.names);
    let status_rank = ranks(&g.statuses);
    let by_time = g.by_time();
    let mut time_rank = vec![0u32; g.rows.len()];
    for (rank, i) in by_time.iter().enumerate() {
        time_rank[*i as usize] = rank as u32;
    }
    let mut keys: Vec<u64> = Vec::with_capacity(g.rows.len() * 4);
    let mut totals: Vec<i64> = vec![0; g.statuses.len()];
    let mut waiting = 0i64;
    let mut ancs: Vec<u32> = Vec::new();
    for (i, o) in g.rows.iter().enumerate() {
        totals[o.status as usize] += 1;
        waiting += i64::from(o.waiting);
        ancs.clear();
        let up = ancestors[o.current as usize];
        if up.is_empty() {
            // No outlet, or one the network does not have.
            ancs.push(pool);
        } else {
            ancs.extend_from_slice(up);
        }
        if o.billing != o.current {
            for a in ancestors[o.billing as usize] {
                // The pool is about where the order is, not who billed it.
                if *a != pool && !ancs.contains(a) {
                    ancs.push(*a);
                }
            }
        }
        let low =
            (u64::from(status_rank[o.status as usize]) << ORDER_BITS) | u64::from(time_rank[i]);
        keys.extend(
            ancs.iter()
                .map(|a| (u64::from(anc_rank[*a as usize]) << (ORDER_BITS + STATUS_BITS)) | low),
        );
    }
    drop(time_rank);
    let t1 = t0.elapsed();
    keys.sort_unstable();
    let t2 = t0.elapsed();
    // From ranks back to names.
    let mut anc_of_rank = vec![0u32; anc_rank.len()];
    for (a, r) in anc_rank.iter().enumerate() {
        anc_of_rank[*r as usize] = a as u32;
    }
    let mut status_of_rank = vec![0u8; status_rank.len()];
    for (s, r) in status_rank.iter().enumerate() {
        status_of_rank[*r as usize] = s as u8;
    }
    let name_of = |key: u64| -> (&str, &str) {
        let a = anc_of_rank[(key >> (ORDER_BITS + STATUS_BITS)) as usize];
        let s = status_of_rank[((key >> ORDER_BITS) & ((1 << STATUS_BITS) - 1)) as usize];
        (&closure.names[a as usize], &g.statuses[s as usize])
    };
    // (ancestor, status) of each run of keys, with its count: already in
    // the counts' key order, so appended rather than scattered.
    let mut counts: Vec<(u64, i64)> = Vec::new();
    for key in &keys {
        let group = key >> ORDER_BITS;
        match counts.last_mut() {
            Some((k, n)) if *k == group => *n += 1,
            _ => counts.push((group, 1)),
        }
    }
    // The keys are distinct (one per order and ancestor), so a plain
    // insert; many rows a statement, as SQLite runs a statement per call.
    let mut args: Vec<ToSqlOutput<'_>> = Vec::with_capacity(ROWS_PER_INSERT * 4);
    let mut full = c.prepare(&insert_rows(ROWS_PER_INSERT))?;
    for chunk in keys.chunks(ROWS_PER_INSERT) {
        args.clear();
        for key in chunk {
            let o = &g.rows[by_time[(key & ((1 << ORDER_BITS) - 1)) as usize] as usize];
            let (anc, status) = name_of(*key);
            args.push(ToSqlOutput::Borrowed(ValueRef::Text(anc.as_bytes())));
            args.push(ToSqlOutput::Borrowed(ValueRef::Text(status.as_bytes())));
            args.push(g.at_sql(&o.created_at));
            args.push(ToSqlOutput::Borrowed(ValueRef::Text(
                g.str(o.order_no).as_bytes(),
            )));
        }
        if chunk.len() == ROWS_PER_INSERT {
            full.execute(params_from_iter(args.iter()))?;
        } else {
            c.prepare(&insert_rows(chunk.len()))?
                .execute(params_from_iter(args.iter()))?;
        }
    }
    tracing::debug!(
        keys = keys.len(),
        before_sort_ms = t1.as_millis() as u64,
        sorted_ms = t2.as_millis() as u64,
        written_ms = t0.elapsed().as_millis() as u64,
        "scope: rebuilt"
    );
    let mut st = c.prepare("INSERT INTO scope_count(anc, status, n) VALUES (?1, ?2, ?3)")?;
    for (group, n) in counts {
        let (anc, status) = name_of(group << ORDER_BITS);
        st.execute(params![anc, status, n])?;
    }
    for (s, n) in totals.into_iter().enumerate() {
        st.execute(params![ALL, g.statuses[s], n])?;
    }
    st.execute(params![ALL, WAITING, waiting])?;
    Ok(())
}
