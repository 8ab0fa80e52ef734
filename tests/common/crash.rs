//! A client cache as a crash or a power cut leaves it: the files copied
//! while the cache is open (its `-wal` with them), the open-mark left
//! behind, and a page of the main file overwritten.
#![allow(dead_code)]

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The file's page size, from its header (bytes 16–17; 1 means 65536).
pub fn page_size(path: &Path) -> u64 {
    let bytes = std::fs::read(path).expect("read");
    match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65_536,
        n => u64::from(n),
    }
}

/// Copies the cache at `from` (with `-wal`, while it may still be open)
/// to `to_dir`, with the mark an unclean close leaves; returns the copy.
pub fn snapshot(from: &Path, to_dir: &Path) -> PathBuf {
    let to = to_dir.join("cache.db");
    std::fs::copy(from, &to).expect("copy cache.db");
    let wal = PathBuf::from(format!("{}-wal", from.display()));
    if wal.exists() {
        std::fs::copy(&wal, format!("{}-wal", to.display())).expect("copy -wal");
    }
    std::fs::write(format!("{}.open", to.display()), b"").expect("the mark a crash leaves");
    to
}

/// Writes the checkpoint of every committed page into the main file, as
/// SQLite does by itself now and then (`wal_autocheckpoint`).
pub fn checkpoint(path: &Path) {
    let c = rusqlite::Connection::open(path).expect("open for checkpoint");
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .expect("checkpoint");
}

/// Overwrites page `n` (0-based) of the file with garbage.
pub fn damage_page(path: &Path, n: u64) {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("file");
    let len = f.metadata().expect("meta").len();
    let page = page_size(path);
    assert!(
        (n + 1) * page <= len,
        "page {n} is inside the file ({len} bytes)"
    );
    f.seek(SeekFrom::Start(n * page)).expect("seek");
    f.write_all(&vec![0x5a; page as usize]).expect("write");
}

/// The page holding the first occurrence of `needle` in the file.
pub fn page_of(path: &Path, needle: &[u8]) -> u64 {
    let bytes = std::fs::read(path).expect("read");
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{:?} is in the file", String::from_utf8_lossy(needle)));
    at as u64 / page_size(path)
}

/// The number of pages of the main file.
pub fn pages(path: &Path) -> u64 {
    std::fs::metadata(path).expect("meta").len() / page_size(path)
}
