//! The SQLite arm of [`super::Storage`]: one writer and a few readers on
//! `hub.db`, used through [`crate::hub::HubState::db`] and
//! [`crate::hub::HubState::read`] on blocking threads.

use std::path::Path;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

use crate::hub::db;

/// Read-only connections beside the writer. WAL lets them read while the
/// writer commits, so polling clients never queue behind an action.
const READERS: usize = 4;

/// The connections of a hub on SQLite.
pub struct Sqlite {
    /// The one writer (SQLite allows one at a time anyway).
    pub(crate) conn: Arc<Mutex<Connection>>,
    /// Read-only connections, handed out round-robin.
    pub(crate) readers: Arc<Vec<Mutex<Connection>>>,
    pub(crate) next_reader: AtomicUsize,
}

impl Sqlite {
    /// Opens the readers of `path` beside its (already opened) `writer`.
    pub fn open(path: &Path, writer: Connection) -> Result<Sqlite, String> {
        let readers = (0..READERS)
            .map(|_| db::open_reader(path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Sqlite {
            conn: Arc::new(Mutex::new(writer)),
            readers: Arc::new(readers),
            next_reader: AtomicUsize::new(0),
        })
    }

    /// The writer, locked.
    pub fn writer(&self) -> MutexGuard<'_, Connection> {
        lock(&self.conn)
    }
}

/// Locks a connection. A task that panicked rolled its transaction back as
/// it unwound, so the connection is sound: one bug must not take every
/// later request down with it.
pub(crate) fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|p| {
        tracing::error!("a database task panicked earlier; carrying on");
        p.into_inner()
    })
}
