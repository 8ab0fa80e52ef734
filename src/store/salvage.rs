//! Saving the clerk's unsent actions from a damaged cache file
//! (RELIABILITY G1, scenarios 18 and 24): the file is kept aside with its
//! `-wal`/`-shm`, every outbox entry that can still be read goes into the
//! new cache with its idempotency key (so it is sent exactly once), and
//! the user is told which actions came back and which did not.
//!
//! A damaged page may sit anywhere: in the outbox's rows, in its indexes,
//! or elsewhere. The rows are read by a table scan first; the two indexes
//! (`outbox_state`, `outbox_order`) still name the entries the scan could
//! not reach, which are then read one by one — and if that fails too, the
//! index at least tells which order the lost action was for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, params};

use crate::domain::Action;
use crate::i18n::{self, Lang};

/// What was saved from a damaged cache's outbox.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Salvage {
    /// Actions read back intact and queued again with their keys.
    pub recovered: Vec<SalvagedAction>,
    /// Actions that were waiting but could not be read back: the order
    /// number when an index still knew it.
    pub lost: Vec<Option<String>>,
    /// The outbox could not be read to its end and its indexes did not
    /// say what was missing: more may be lost than `lost` lists.
    pub incomplete: bool,
}

/// One action saved from a damaged cache.
#[derive(Debug, Clone, PartialEq)]
pub struct SalvagedAction {
    pub order_no: String,
    pub action: Action,
}

/// An outbox row as it was in the damaged file.
pub(super) struct Row {
    id: i64,
    key: String,
    login: String,
    order_no: String,
    body: String,
    state: String,
    attempts: i64,
    error: Option<String>,
    created_at: String,
}

/// What [`read`] found: the rows to queue again and the report.
pub(super) struct Found {
    pub(super) rows: Vec<Row>,
    pub(super) owner: Option<String>,
    pub(super) salvage: Salvage,
}

/// States still owed to the server or the clerk: waiting, maybe in
/// flight, or refused and not yet read (actions queued after a refusal
/// wait for the clerk, so the refusal must come along).
const LIVE: &str = "('queued','sending','rejected')";
const COLUMNS: &str = "id, key, login, order_no, body, state, attempts, error, created_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        key: r.get(1)?,
        login: r.get(2)?,
        order_no: r.get(3)?,
        body: r.get(4)?,
        state: r.get(5)?,
        attempts: r.get(6)?,
        error: r.get(7)?,
        created_at: r.get(8)?,
    })
}

/// Renames the damaged file and its `-wal`/`-shm` to `<file>.broken-<stamp>`
/// (and `…-wal`/`…-shm`), so the kept copy still opens with its log.
pub(super) fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S");
    let kept = path.with_extension(format!("db.broken-{stamp}"));
    std::fs::rename(path, &kept)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            std::fs::rename(&side, format!("{}{suffix}", kept.display()))?;
        }
    }
    Ok(kept)
}

/// Reads what can be read of the outbox of the damaged file at `kept`,
/// without writing to it.
pub(super) fn read(kept: &Path) -> Found {
    let mut found = Found {
        rows: Vec::new(),
        owner: None,
        salvage: Salvage::default(),
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let Ok(c) = Connection::open_with_flags(kept, flags) else {
        return found;
    };
    // Not our cache (a text file, a foreign database): no outbox to save.
    let ours = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'outbox'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .is_ok_and(|n| n == 1);
    if !ours {
        return found;
    }
    found.owner = c
        .query_row("SELECT value FROM meta WHERE key = 'owner'", [], |r| {
            r.get(0)
        })
        .ok();
    let (mut rows, scanned_to_end) = scan(&c);
    // Entries the indexes know of; each index read as far as it goes.
    let live_ids = index_ids(
        &c,
        &format!("SELECT id FROM outbox INDEXED BY outbox_state WHERE state IN {LIVE}"),
    );
    let order_of: BTreeMap<i64, String> = index_pairs(&c);
    // Known to be waiting: read one by one, and named when unreadable.
    // Only in `outbox_order` (when `outbox_state` failed): read too, but
    // an unreadable one may have been sent already, so it is not named.
    let (known, complete_index) = match live_ids {
        Ok(ids) => (ids, true),
        Err(ids) => (ids, false),
    };
    let mut candidates: Vec<(i64, bool)> = known.iter().map(|id| (*id, true)).collect();
    if !complete_index {
        candidates.extend(
            order_of
                .keys()
                .filter(|id| !known.contains(*id))
                .map(|id| (*id, false)),
        );
    }
    candidates.retain(|(id, _)| !rows.contains_key(id));
    candidates.sort_unstable();
    let mut lost_ids = Vec::new();
    for (id, live) in candidates {
        let one = c.query_row(
            &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1 AND state IN {LIVE}"),
            [id],
            row,
        );
        match one {
            Ok(r) => {
                rows.insert(id, r);
            }
            Err(rusqlite::Error::QueryReturnedNoRows) => {}
            Err(e) => {
                tracing::warn!("salvage: outbox entry {id} unreadable: {e}");
                if live {
                    lost_ids.push(id);
                }
            }
        }
    }
    found.salvage.incomplete = !scanned_to_end && !complete_index;
    for (id, r) in rows {
        match serde_json::from_str::<Action>(&r.body) {
            Ok(action) => {
                found.salvage.recovered.push(SalvagedAction {
                    order_no: r.order_no.clone(),
                    action,
                });
                found.rows.push(r);
            }
            Err(e) => {
                tracing::warn!("salvage: outbox entry {id} has a damaged body: {e}");
                found.salvage.lost.push(Some(r.order_no));
            }
        }
    }
    for id in lost_ids {
        found.salvage.lost.push(order_of.get(&id).cloned());
    }
    found
}

/// The live rows a table scan reaches, and whether it reached the end.
fn scan(c: &Connection) -> (BTreeMap<i64, Row>, bool) {
    let mut rows = BTreeMap::new();
    let Ok(mut st) = c.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox NOT INDEXED WHERE state IN {LIVE} ORDER BY id"
    )) else {
        return (rows, false);
    };
    let Ok(mut it) = st.query([]) else {
        return (rows, false);
    };
    loop {
        match it.next() {
            Ok(Some(r)) => match row(r) {
                Ok(r) => {
                    rows.insert(r.id, r);
                }
                Err(e) => tracing::warn!("salvage: an outbox row is unreadable: {e}"),
            },
            Ok(None) => return (rows, true),
            Err(e) => {
                tracing::warn!("salvage: the outbox scan stopped: {e}");
                return (rows, false);
            }
        }
    }
}

/// Ids an index query returns: `Ok` when read to its end, `Err` with
/// those read before it failed.
fn index_ids(c: &Connection, sql: &str) -> Result<Vec<i64>, Vec<i64>> {
    let mut ids = Vec::new();
    let Ok(mut st) = c.prepare(sql) else {
        return Err(ids);
    };
    let Ok(mut it) = st.query([]) else {
        return Err(ids);
    };
    loop {
        match it.next() {
            Ok(Some(r)) => match r.get(0) {
                Ok(id) => ids.push(id),
                Err(_) => return Err(ids),
            },
            Ok(None) => return Ok(ids),
            Err(_) => return Err(ids),
        }
    }
}

/// Entry id → order number, from the `outbox_order` index, as far as it
/// can be read.
fn index_pairs(c: &Connection) -> BTreeMap<i64, String> {
    let mut out = BTreeMap::new();
    let Ok(mut st) = c.prepare("SELECT id, order_no FROM outbox INDEXED BY outbox_order") else {
        return out;
    };
    let Ok(mut it) = st.query([]) else {
        return out;
    };
    while let Ok(Some(r)) = it.next() {
        if let (Ok(id), Ok(no)) = (r.get::<_, i64>(0), r.get::<_, String>(1)) {
            out.insert(id, no);
        }
    }
    out
}

/// Queues the salvaged rows in the new cache, oldest first, with their
/// keys, states and owner: the engine sends them as before the damage.
pub(super) fn restore(c: &mut Connection, found: &Found) -> rusqlite::Result<()> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    if let Some(owner) = &found.owner {
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('owner', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [owner],
        )?;
    }
    {
        let mut ins = tx.prepare(
            "INSERT INTO outbox(key, login, order_no, body, state, attempts, error, created_at, updated_at)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
        )?;
        let now = chrono::Utc::now().to_rfc3339();
        for r in &found.rows {
            ins.execute(params![
                r.key,
                r.login,
                r.order_no,
                r.body,
                r.state,
                r.attempts,
                r.error,
                r.created_at,
                now
            ])?;
        }
    }
    tx.commit()
}

impl Salvage {
    /// Whether anything was found waiting at all.
    pub fn is_empty(&self) -> bool {
        self.recovered.is_empty() && self.lost.is_empty() && !self.incomplete
    }

    /// What to tell the user: where the damaged file is kept, which
    /// actions were saved and will be sent, which could not be read.
    pub fn user_message(&self, lang: Lang, kept: &str) -> String {
        let mut msg = i18n::tf(lang, "cache.kept_aside", &[("kept", kept)]);
        let recovered = self.recovered.iter().map(|a| {
            let what = i18n::t(lang, &format!("event.{}", a.action.kind().name()));
            format!("{} {what}", a.order_no)
        });
        msg.push_str(&listed(lang, "cache.salvaged", recovered.collect()));
        let unknown = i18n::t(lang, "cache.lost_unknown_order");
        let lost = self
            .lost
            .iter()
            .map(|o| o.clone().unwrap_or_else(|| unknown.clone()));
        msg.push_str(&listed(lang, "cache.salvage_lost", lost.collect()));
        if self.incomplete {
            msg.push_str(&i18n::t(lang, "cache.salvage_incomplete"));
        }
        if self.is_empty() {
            msg.push_str(&i18n::t(lang, "cache.nothing_waiting"));
        }
        msg
    }
}

/// The sentence `key` with `{n}` and `{list}` filled, or nothing for none.
fn listed(lang: Lang, key: &str, items: Vec<String>) -> String {
    if items.is_empty() {
        return String::new();
    }
    let n = items.len().to_string();
    let list = items.join(i18n::t(lang, "cache.list_sep").as_str());
    i18n::tf(lang, key, &[("n", &n), ("list", &list)])
}
