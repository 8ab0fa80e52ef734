//! order-hub's own SQLite database: schema, migrations and queries.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

use crate::domain::{Outlet, OutletKind, Role, Staff};

/// Schema history; append only.
static SCOPE_SCHEMA: std::sync::LazyLock<String> = std::sync::LazyLock::new(super::scope::schema);

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            r#"
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE outlets (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            parent_code TEXT,
            province TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            district TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            urban INTEGER NOT NULL DEFAULT 0,
            latitude REAL,
            longitude REAL,
            accepts_ali_orders INTEGER NOT NULL DEFAULT 1,
            active INTEGER NOT NULL DEFAULT 1,
            version INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX outlets_parent ON outlets(parent_code);
        CREATE INDEX outlets_city ON outlets(city);
        CREATE TABLE staff (
            login TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            outlet_code TEXT NOT NULL,
            role TEXT NOT NULL,
            phone TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1,
            password_hash TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX staff_outlet ON staff(outlet_code);
        CREATE TABLE sessions (
            token TEXT PRIMARY KEY,
            login TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE INDEX sessions_login ON sessions(login);
        CREATE TABLE parameters (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_by TEXT,
            updated_at TEXT
        );
        CREATE TABLE orders (
            order_no TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,
            status TEXT NOT NULL,
            current_outlet_code TEXT,
            accepting_outlet_code TEXT,
            billing_outlet_code TEXT,
            created_at TEXT NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX orders_current ON orders(current_outlet_code, status);
        CREATE INDEX orders_accepting ON orders(accepting_outlet_code, status);
        CREATE UNIQUE INDEX orders_seq ON orders(seq);
        "#,
        ),
        M::up(
            r#"
        CREATE INDEX orders_status_created ON orders(status, created_at);
        CREATE TABLE order_outlets (
            order_no TEXT NOT NULL,
            outlet_code TEXT NOT NULL,
            PRIMARY KEY (order_no, outlet_code)
        ) WITHOUT ROWID;
        CREATE INDEX order_outlets_outlet ON order_outlets(outlet_code, order_no);
        CREATE TABLE order_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            order_no TEXT NOT NULL,
            at TEXT NOT NULL,
            actor_login TEXT NOT NULL,
            outlet_code TEXT,
            action TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT NOT NULL,
            reason_code TEXT,
            note TEXT
        );
        CREATE INDEX order_events_order ON order_events(order_no, seq);
        CREATE TABLE idempotency (
            key TEXT PRIMARY KEY,
            login TEXT NOT NULL,
            request TEXT NOT NULL,
            status INTEGER NOT NULL,
            response TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE dispatch_memory (
            ali_account TEXT PRIMARY KEY,
            outlet_code TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        "#,
        ),
        // Hardening (issue 14): session tokens are kept as SHA-256 digests
        // from now on, so the raw ones stored before are dropped (their
        // users log in again); refused idempotency answers expire.
        M::up(
            r#"
        DELETE FROM sessions;
        CREATE INDEX idempotency_refused ON idempotency(created_at) WHERE status <> 200;
        "#,
        ),
        // 开单 (SPEC 3.5): products, the rate card with every version of
        // each line kept, and issued waybills with what they were priced at.
        M::up(
            r#"
        CREATE TABLE products (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            mode TEXT NOT NULL,
            haul TEXT NOT NULL,
            position INTEGER NOT NULL
        );
        INSERT INTO products(code, name, mode, haul, position) VALUES
            ('JZKH', '精准卡航', 'ltl', 'long', 1),
            ('JZCY', '精准城运', 'ltl', 'short', 2),
            ('JZQY_LONG', '精准汽运(长途)', 'ltl', 'long', 3),
            ('JZQY_SHORT', '精准汽运(短途)', 'ltl', 'short', 4),
            ('AGENT_VEHICLE', '汽运偏线', 'partner_line', 'long', 5),
            ('JZKY', '精准空运', 'air', 'long', 6),
            ('JZZC', '整车', 'full_truck', 'long', 7);
        CREATE TABLE rate_lines (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            product_code TEXT NOT NULL,
            dest_key TEXT NOT NULL,
            retired INTEGER NOT NULL DEFAULT 0,
            version INTEGER NOT NULL,
            body TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX rate_lines_route ON rate_lines(product_code, dest_key, retired);
        CREATE INDEX rate_lines_dest ON rate_lines(dest_key, retired);
        CREATE TABLE rate_line_history (
            id INTEGER NOT NULL,
            version INTEGER NOT NULL,
            body TEXT NOT NULL,
            at TEXT NOT NULL,
            by TEXT,
            PRIMARY KEY (id, version)
        ) WITHOUT ROWID;
        CREATE TABLE waybills (
            waybill_no TEXT PRIMARY KEY,
            order_no TEXT NOT NULL UNIQUE,
            billing_outlet_code TEXT NOT NULL,
            billed_by TEXT NOT NULL,
            billed_at TEXT NOT NULL,
            rate_line_id INTEGER NOT NULL,
            rate_line_version INTEGER NOT NULL,
            params_revision INTEGER NOT NULL,
            published_fen INTEGER NOT NULL,
            discount_fen INTEGER NOT NULL,
            total_fen INTEGER NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX waybills_outlet ON waybills(billing_outlet_code, billed_at);
        "#,
        ),
        // The scope index (issue 11): `GET /api/v1/orders` reads a page and
        // an exact count from a few index rows; existing orders are
        // indexed here.
        M::up_with_hook(SCOPE_SCHEMA.as_str(), |tx: &rusqlite::Transaction| {
            Ok(super::scope::rebuild(tx)?)
        }),
        // 阿里巴巴成交比 (issue 12): per-order entries and per-day counters
        // under every ancestor, backfilled from the stored orders.
        M::up_with_hook(super::report::SCHEMA, |tx: &rusqlite::Transaction| {
            Ok(super::report::rebuild(tx)?)
        }),
        // Incremental outlet lists (`?since=`, issue 11): the list revision
        // each outlet last changed at, and deleted codes. Older revisions
        // than this migration's are answered with the whole list.
        M::up(
            "ALTER TABLE outlets ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
             CREATE INDEX outlets_revision ON outlets(revision);
             CREATE TABLE outlets_removed (code TEXT PRIMARY KEY, revision INTEGER NOT NULL);
             INSERT INTO meta(key, value)
               SELECT 'outlet_since_floor', coalesce((SELECT value FROM meta WHERE key = 'outlet_revision'), '0');",
        ),
        // Look-ups by ancestor (a new outlet's "is anyone below it yet",
        // the report's subtree lists) read an index instead of the whole
        // closure: adding 20,000 outlets was quadratic (issue 11).
        M::up("CREATE INDEX outlet_closure_anc ON outlet_closure(anc, code);"),
        // The network's print templates (issue 13): one row per document an
        // administrator changed; a document without a row prints with its
        // built-in layout at version 1.
        M::up(
            "CREATE TABLE print_templates (
                document TEXT PRIMARY KEY,
                body TEXT NOT NULL,
                version INTEGER NOT NULL,
                updated_by TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );",
        ),
    ])
}

/// Opens (creating if needed) and migrates the hub database.
pub fn open(path: &Path) -> Result<Connection, String> {
    let mut conn = Connection::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // The order write path runs a few dozen distinct statements per order.
    conn.set_prepared_statement_cache_capacity(128);
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;",
    )
    .map_err(|e| format!("{}: {e}", path.display()))?;
    migrations()
        .to_latest(&mut conn)
        .map_err(|e| format!("{}: migration failed: {e}", path.display()))?;
    protect_secrets(&conn).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(conn)
}

/// Caps the database at `bytes` (SQLite then answers "database or disk
/// is full", which the routes turn into 503 `storage_full`).
pub fn set_max_bytes(c: &Connection, bytes: u64) -> rusqlite::Result<()> {
    let page: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    let pages = (bytes / page.max(512) as u64).max(1);
    c.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
    Ok(())
}

/// Whether the database is within a few pages of its size cap (free
/// pages inside the file count as room).
pub fn nearly_full(c: &Connection) -> rusqlite::Result<bool> {
    let pragma = |name: &str| c.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0));
    let room = pragma("max_page_count")? - pragma("page_count")? + pragma("freelist_count")?;
    Ok(room < 32)
}

/// Replaces secrets that older versions stored in the clear with their
/// digests: the upstream token, and the request texts kept for
/// idempotency (a digest is all a replay needs to compare).
fn protect_secrets(c: &Connection) -> rusqlite::Result<()> {
    if let Some(t) = meta_get(c, "upstream_token")? {
        meta_set(c, "upstream_token_sha256", &super::auth::digest(&t))?;
        c.execute("DELETE FROM meta WHERE key = 'upstream_token'", [])?;
    }
    let legacy: Vec<(String, String)> = {
        let mut st =
            c.prepare("SELECT key, request FROM idempotency WHERE request NOT LIKE 'sha256:%'")?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (key, request) in legacy {
        c.execute(
            "UPDATE idempotency SET request = ?2 WHERE key = ?1",
            params![key, super::auth::request_digest(&request)],
        )?;
    }
    Ok(())
}

/// How much of the database a reader maps (SQLite's own ceiling on 64-bit
/// builds; the rest of a larger file is read as usual).
const READER_MMAP: i64 = 0x7fff_0000;

/// A read-only connection to an opened (migrated) database, for the
/// readers beside the writer.
pub fn open_reader(path: &Path) -> Result<Connection, String> {
    use rusqlite::OpenFlags;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("{}: {e}", path.display()))?;
    conn.set_prepared_statement_cache_capacity(128);
    // Readers map the file rather than copy each page into their own
    // cache: a branch's feed page reads a thousand orders scattered over
    // the whole history, each a few B-tree pages deep.
    conn.execute_batch(&format!(
        "PRAGMA busy_timeout=5000; PRAGMA query_only=ON; PRAGMA mmap_size={READER_MMAP};"
    ))
    .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(conn)
}

fn now() -> String {
    Utc::now().to_rfc3339()
}

/// Reads a `meta` value.
pub fn meta_get(c: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()
}

/// Writes a `meta` value.
pub fn meta_set(c: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// The outlet list revision.
pub fn outlet_revision(c: &Connection) -> rusqlite::Result<i64> {
    Ok(meta_get(c, "outlet_revision")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Moves the list revision on and marks `code` changed at it (or
/// removed).
fn bump_outlet_revision(c: &Connection, code: &str, removed: bool) -> rusqlite::Result<()> {
    super::wake::network_changed();
    let next = outlet_revision(c)? + 1;
    if removed {
        c.execute(
            "INSERT INTO outlets_removed(code, revision) VALUES (?1, ?2)
             ON CONFLICT(code) DO UPDATE SET revision = excluded.revision",
            params![code, next],
        )?;
    } else {
        c.execute(
            "UPDATE outlets SET revision = ?2 WHERE code = ?1",
            params![code, next],
        )?;
        c.execute("DELETE FROM outlets_removed WHERE code = ?1", [code])?;
    }
    meta_set(c, "outlet_revision", &next.to_string())
}

/// What changed in the network after revision `since`: changed or added
/// outlets and removed codes, or `None` when `since` is too old (before
/// revisions were kept per outlet) or ahead of this hub.
pub fn outlets_since(
    c: &Connection,
    since: i64,
) -> rusqlite::Result<Option<(Vec<Outlet>, Vec<String>)>> {
    let floor: i64 = meta_get(c, "outlet_since_floor")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if since < floor || since > outlet_revision(c)? {
        return Ok(None);
    }
    let changed = c
        .prepare_cached(&format!(
            "SELECT {OUTLET_COLS} FROM outlets WHERE revision > ?1 ORDER BY code"
        ))?
        .query_map([since], outlet_row)?
        .collect::<rusqlite::Result<_>>()?;
    let removed = c
        .prepare_cached("SELECT code FROM outlets_removed WHERE revision > ?1 ORDER BY code")?
        .query_map([since], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some((changed, removed)))
}

const OUTLET_COLS: &str = "code, name, kind, parent_code, province, city, district, address, phone, urban, latitude, longitude, accepts_ali_orders, active, version";

fn outlet_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Outlet> {
    let kind: String = r.get(2)?;
    Ok(Outlet {
        code: r.get(0)?,
        name: r.get(1)?,
        kind: OutletKind::parse(&kind).unwrap_or(OutletKind::Outlet),
        parent_code: r.get(3)?,
        province: r.get(4)?,
        city: r.get(5)?,
        district: r.get(6)?,
        address: r.get(7)?,
        phone: r.get(8)?,
        urban: r.get(9)?,
        latitude: r.get(10)?,
        longitude: r.get(11)?,
        accepts_ali_orders: r.get(12)?,
        active: r.get(13)?,
        version: r.get(14)?,
    })
}

/// Every outlet, in code order.
pub fn outlets(c: &Connection) -> rusqlite::Result<Vec<Outlet>> {
    let mut st = c.prepare_cached(&format!("SELECT {OUTLET_COLS} FROM outlets ORDER BY code"))?;
    let rows = st.query_map([], outlet_row)?;
    rows.collect()
}

/// One outlet.
pub fn outlet(c: &Connection, code: &str) -> rusqlite::Result<Option<Outlet>> {
    c.query_row(
        &format!("SELECT {OUTLET_COLS} FROM outlets WHERE code = ?1"),
        [code],
        outlet_row,
    )
    .optional()
}

/// Inserts a new outlet at version 1.
pub fn insert_outlet(c: &Connection, o: &Outlet) -> rusqlite::Result<()> {
    insert_outlet_row(c, o)?;
    super::scope::added(c, o)?;
    // Orders already at its code (the pool's "unknown outlet") come into
    // its new ancestors' views.
    views_changed(c, &o.code)
}

/// The key of an outlet's view epoch in `meta` (see [`view_epoch`]).
pub(crate) fn view_epoch_key(code: &str) -> String {
    format!("view_epoch:{code}")
}

/// How often what `code`'s subtree may see changed by the network (an
/// outlet with orders moved in or out), for the feed's cursors: a new or
/// moved outlet that never had an order changes nothing anyone sees.
pub fn view_epoch(c: &Connection, code: &str) -> rusqlite::Result<i64> {
    Ok(meta_get(c, &view_epoch_key(code))?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// `code`'s subtree joins or leaves its ancestors' views now: when an
/// order was ever at an outlet of it, each ancestor's view changed.
/// Called with the closure as it is (before and after a move).
fn views_changed(c: &Connection, code: &str) -> rusqlite::Result<()> {
    let had_orders: bool = c
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM outlet_closure k
               JOIN order_outlets oo ON oo.outlet_code = k.code WHERE k.anc = ?1)
             OR EXISTS(SELECT 1 FROM order_outlets WHERE outlet_code = ?1)",
        )?
        .query_row([code], |r| r.get(0))?;
    if !had_orders {
        return Ok(());
    }
    let ancestors: Vec<String> = c
        .prepare_cached("SELECT anc FROM outlet_closure WHERE code = ?1 AND anc <> ?1")?
        .query_map([code], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for anc in ancestors {
        let next = view_epoch(c, &anc)? + 1;
        meta_set(c, &view_epoch_key(&anc), &next.to_string())?;
    }
    Ok(())
}

/// [`insert_outlet`] without the scope index, for a bulk load that builds
/// the index once at its end ([`super::scope::rebuild`]).
pub fn insert_outlet_row(c: &Connection, o: &Outlet) -> rusqlite::Result<()> {
    c.prepare_cached(
        &format!("INSERT INTO outlets ({OUTLET_COLS}, updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,1,?15)"),
    )?
    .execute(
        params![
            o.code, o.name, o.kind.as_str(), o.parent_code, o.province, o.city, o.district,
            o.address, o.phone, o.urban, o.latitude, o.longitude, o.accepts_ali_orders, o.active, now()
        ],
    )?;
    bump_outlet_revision(c, &o.code, false)
}

/// Overwrites an outlet if its version is still `expected`; returns whether
/// it did.
pub fn update_outlet(c: &Connection, o: &Outlet, expected: i64) -> rusqlite::Result<bool> {
    let old_parent: Option<Option<String>> = c
        .query_row(
            "SELECT parent_code FROM outlets WHERE code = ?1 AND version = ?2",
            params![o.code, expected],
            |r| r.get(0),
        )
        .optional()?;
    let moved = old_parent.is_some_and(|p| p != o.parent_code);
    if moved {
        views_changed(c, &o.code)?;
    }
    let n = c.execute(
        "UPDATE outlets SET name=?2, kind=?3, parent_code=?4, province=?5, city=?6, district=?7, address=?8, phone=?9, urban=?10, latitude=?11, longitude=?12, accepts_ali_orders=?13, active=?14, version=version+1, updated_at=?15 WHERE code=?1 AND version=?16",
        params![
            o.code, o.name, o.kind.as_str(), o.parent_code, o.province, o.city, o.district,
            o.address, o.phone, o.urban, o.latitude, o.longitude, o.accepts_ali_orders, o.active, now(), expected
        ],
    )?;
    if n == 1 {
        // The closure follows parents alone, and an outlet's kind cannot
        // become or stop being HQ: only a move changes the index, and
        // recomputing it for a rename took seconds at national size.
        if moved {
            super::scope::refresh(c)?;
            views_changed(c, &o.code)?;
        }
        bump_outlet_revision(c, &o.code, false)?;
    }
    Ok(n == 1)
}

/// Deletes an outlet.
pub fn delete_outlet(c: &Connection, code: &str) -> rusqlite::Result<()> {
    views_changed(c, code)?;
    c.execute("DELETE FROM outlets WHERE code = ?1", [code])?;
    super::scope::refresh(c)?;
    bump_outlet_revision(c, code, true)
}

/// What blocks deleting `code` (SPEC 2.1).
pub fn attached(c: &Connection, code: &str) -> rusqlite::Result<crate::domain::outlet::Attached> {
    let list = |sql: &str| -> rusqlite::Result<Vec<String>> {
        let mut st = c.prepare(sql)?;
        st.query_map([code], |r| r.get(0))?.collect()
    };
    Ok(crate::domain::outlet::Attached {
        sub_outlets: list("SELECT code FROM outlets WHERE parent_code = ?1 ORDER BY code")?,
        staff: list("SELECT login FROM staff WHERE outlet_code = ?1 ORDER BY login")?,
        open_orders: c.query_row(
            "SELECT count(*) FROM orders WHERE status IN ('pending','accepted') AND (current_outlet_code = ?1 OR accepting_outlet_code = ?1)",
            [code],
            |r| r.get::<_, i64>(0),
        )? as u64,
    })
}

const STAFF_COLS: &str = "login, name, outlet_code, role, phone, active, version";

fn staff_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Staff> {
    let role: String = r.get(3)?;
    Ok(Staff {
        login: r.get(0)?,
        name: r.get(1)?,
        outlet_code: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::Clerk),
        phone: r.get(4)?,
        active: r.get(5)?,
        version: r.get(6)?,
    })
}

/// Staff filtered by outlet codes (any of) and a name substring.
pub fn staff_query(
    c: &Connection,
    outlets: Option<&[String]>,
    name: Option<&str>,
    limit: i64,
) -> rusqlite::Result<Vec<Staff>> {
    let mut sql = format!("SELECT {STAFF_COLS} FROM staff WHERE 1=1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(codes) = outlets {
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        sql.push_str(" AND outlet_code IN (");
        for (i, code) in codes.iter().enumerate() {
            sql.push_str(if i == 0 { "?" } else { ",?" });
            args.push(code.clone().into());
        }
        sql.push(')');
    }
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        sql.push_str(" AND instr(name, ?) > 0");
        args.push(n.to_owned().into());
    }
    sql.push_str(" ORDER BY outlet_code, login LIMIT ?");
    args.push(limit.into());
    let mut st = c.prepare(&sql)?;
    let rows = st.query_map(rusqlite::params_from_iter(args), staff_row)?;
    rows.collect()
}

/// One staff member.
pub fn staff(c: &Connection, login: &str) -> rusqlite::Result<Option<Staff>> {
    c.query_row(
        &format!("SELECT {STAFF_COLS} FROM staff WHERE login = ?1"),
        [login],
        staff_row,
    )
    .optional()
}

/// The password hash of an active staff member.
pub fn password_hash(c: &Connection, login: &str) -> rusqlite::Result<Option<(String, bool)>> {
    c.query_row(
        "SELECT password_hash, active FROM staff WHERE login = ?1",
        [login],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// Inserts a staff member at version 1.
pub fn insert_staff(c: &Connection, s: &Staff, hash: &str) -> rusqlite::Result<()> {
    c.execute(
        &format!("INSERT INTO staff ({STAFF_COLS}, password_hash, updated_at) VALUES (?1,?2,?3,?4,?5,?6,1,?7,?8)"),
        params![s.login, s.name, s.outlet_code, s.role.as_str(), s.phone, s.active, hash, now()],
    )?;
    Ok(())
}

/// Updates a staff member if still at `expected`; a new hash replaces the
/// password.
pub fn update_staff(
    c: &Connection,
    s: &Staff,
    hash: Option<&str>,
    expected: i64,
) -> rusqlite::Result<bool> {
    let n = c.execute(
        "UPDATE staff SET name=?2, outlet_code=?3, role=?4, phone=?5, active=?6, password_hash=coalesce(?7, password_hash), version=version+1, updated_at=?8 WHERE login=?1 AND version=?9",
        params![s.login, s.name, s.outlet_code, s.role.as_str(), s.phone, s.active, hash, now(), expected],
    )?;
    Ok(n == 1)
}

/// Number of active administrators other than `except`.
pub fn other_active_admins(c: &Connection, except: &str) -> rusqlite::Result<i64> {
    c.query_row(
        "SELECT count(*) FROM staff WHERE role = 'admin' AND active = 1 AND login <> ?1",
        [except],
        |r| r.get(0),
    )
}

/// Stores a session token (as its digest: a stolen copy of hub.db must not
/// hand out live sessions).
pub fn insert_session(
    c: &Connection,
    token: &str,
    login: &str,
    expires: DateTime<Utc>,
) -> rusqlite::Result<()> {
    // Sweep expired sessions here, so checking a token stays a pure read.
    c.execute(
        "DELETE FROM sessions WHERE expires_at <= ?1",
        [Utc::now().to_rfc3339()],
    )?;
    c.execute(
        "INSERT INTO sessions(token, login, expires_at) VALUES (?1, ?2, ?3)",
        params![super::auth::digest(token), login, expires.to_rfc3339()],
    )?;
    Ok(())
}

/// The staff member behind a live token.
pub fn session_user(
    c: &Connection,
    token: &str,
) -> rusqlite::Result<Option<(Staff, DateTime<Utc>)>> {
    let row: Option<(String, String)> = c
        .query_row(
            "SELECT login, expires_at FROM sessions WHERE token = ?1",
            [super::auth::digest(token)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((login, expires)) = row else {
        return Ok(None);
    };
    let Ok(expires) = DateTime::parse_from_rfc3339(&expires) else {
        return Ok(None);
    };
    let expires = expires.with_timezone(&Utc);
    if expires <= Utc::now() {
        // Expired rows are swept at the next login (`insert_session`).
        return Ok(None);
    }
    Ok(staff(c, &login)?.filter(|s| s.active).map(|s| (s, expires)))
}

/// Ends one session.
pub fn delete_session(c: &Connection, token: &str) -> rusqlite::Result<()> {
    c.execute(
        "DELETE FROM sessions WHERE token = ?1",
        [super::auth::digest(token)],
    )?;
    Ok(())
}

/// Ends every session of `login` (deactivated, password reset).
pub fn delete_sessions_of(c: &Connection, login: &str) -> rusqlite::Result<()> {
    c.execute("DELETE FROM sessions WHERE login = ?1", [login])?;
    Ok(())
}

/// A stored parameter: key, value JSON, updated_by, updated_at.
pub type StoredParam = (String, String, Option<String>, Option<String>);

/// Every stored parameter row.
pub fn parameters(c: &Connection) -> rusqlite::Result<Vec<StoredParam>> {
    let mut st = c.prepare("SELECT key, value, updated_by, updated_at FROM parameters")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    rows.collect()
}

/// Writes a parameter value; `by` is None when seeding defaults.
pub fn set_parameter(
    c: &Connection,
    key: &str,
    value: &str,
    by: Option<&str>,
) -> rusqlite::Result<()> {
    let at = by.map(|_| now());
    c.execute(
        "INSERT INTO parameters(key, value, updated_by, updated_at) VALUES (?1,?2,?3,?4)
         ON CONFLICT(key) DO UPDATE SET value=excluded.value, updated_by=excluded.updated_by, updated_at=excluded.updated_at",
        params![key, value, by, at],
    )?;
    if by.is_some() {
        settings_changed(c)?;
    }
    Ok(())
}

/// Raises the revision every feed page carries after an administrator's
/// change to the network's settings (parameters, print templates), and
/// wakes every client so it fetches them again.
pub fn settings_changed(c: &Connection) -> rusqlite::Result<()> {
    super::wake::network_changed();
    let next = params_revision(c)? + 1;
    meta_set(c, "params_revision", &next.to_string())
}

/// Grows with every administrator's parameter or print template change.
pub fn params_revision(c: &Connection) -> rusqlite::Result<i64> {
    Ok(meta_get(c, "params_revision")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Seeds any parameter that has no stored value yet.
pub fn seed_parameters(c: &Connection) -> Result<(), String> {
    for (key, value) in crate::domain::params::defaults()? {
        c.execute(
            "INSERT OR IGNORE INTO parameters(key, value) VALUES (?1, ?2)",
            params![key, value.to_string()],
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}
