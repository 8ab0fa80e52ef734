//! Files only their owner may read (RELIABILITY G6): hub.db holds password
//! hashes and customers' phones, cache.db the same customers, logs the
//! logins. On Unix: folders 0700, files 0600. On Windows the per-user
//! AppData folders already keep other users out.

use std::io;
use std::path::Path;

/// Creates `dir` (and its parents) owner-only. A folder that already
/// exists keeps its mode: it may be one the user chose (`--data-dir .`),
/// and the files in it are owner-only anyway.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    restrict(dir, 0o700)
}

/// Makes `file` owner-only, creating it empty first when missing, so that
/// SQLite (which gives its `-wal`/`-shm` the database's mode) and the log
/// writer never create it readable by others.
pub fn private_file(file: &Path) -> io::Result<()> {
    let mut open = std::fs::OpenOptions::new();
    open.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600);
    }
    drop(open.open(file)?);
    restrict(file, 0o600)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn new_and_existing_files_end_up_owner_only() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("a/b");
        private_dir(&dir).expect("dir");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        let old = dir.join("old.db");
        std::fs::write(&old, b"kept").expect("write");
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        private_file(&old).expect("file");
        assert_eq!(mode(&old), 0o600);
        assert_eq!(
            std::fs::read(&old).expect("read"),
            b"kept",
            "content untouched"
        );
        let new = dir.join("new.db");
        private_file(&new).expect("file");
        assert_eq!(mode(&new), 0o600);
    }
}
