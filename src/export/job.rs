//! One streamed export from start to end: rows pulled a chunk at a time
//! from their source, written, progress told after each chunk, a cancel
//! seen between chunks; and why it failed, in terms a clerk can act on.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Cell, ExportError, FileKind, Kind, Sink};

/// Where an export's rows come from, a chunk at a time (never all at once).
pub trait Rows: Send {
    /// The next rows; an empty chunk ends the export.
    fn next_chunk(&mut self) -> Result<Vec<Vec<Cell>>, String>;
}

/// Writes every row of `rows` to `path`, telling `progress` the count after
/// each chunk. `cancel` set stops it between chunks and leaves no file (an
/// older file of the name stays as it was). A panic inside the writer
/// comes back as [`ExportError::Panicked`], with the partial file removed.
pub fn run(
    path: &Path,
    format: FileKind,
    title: &str,
    columns: &[(String, Kind)],
    rows: &mut dyn Rows,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ExportError> {
    let attempt = std::panic::AssertUnwindSafe(|| {
        let mut sink = Sink::create(path, format, title, columns)?;
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(ExportError::Cancelled);
            }
            let chunk = rows.next_chunk().map_err(ExportError::Source)?;
            if chunk.is_empty() {
                break;
            }
            for row in &chunk {
                sink.push(row)?;
            }
            progress(sink.rows());
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(ExportError::Cancelled);
        }
        sink.finish(None)
    });
    match std::panic::catch_unwind(attempt) {
        Ok(r) => r,
        Err(p) => Err(ExportError::Panicked(
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default(),
        )),
    }
}

/// Why an export failed, as the clerk is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The disk is full.
    DiskFull,
    /// The folder does not exist (any more).
    FolderGone,
    /// No right to write there, or the file is open in another program
    /// (Excel locks the files it has open, and Windows then refuses).
    Denied,
    /// The file is open in another program.
    InUse,
    /// Anything else, with the system's words.
    Other(String),
}

impl ExportError {
    /// What went wrong for the user; `None` for a cancel.
    pub fn failure(&self) -> Option<Failure> {
        let io = match self {
            ExportError::Cancelled => return None,
            ExportError::Io(e) => Some(e),
            ExportError::Xlsx(rust_xlsxwriter::XlsxError::IoError(e)) => Some(e),
            ExportError::Xlsx(e) => io_in(e),
            ExportError::Source(why) => return Some(Failure::Other(why.clone())),
            ExportError::Panicked(why) => {
                let full = [
                    "StorageFull",
                    "No space left",
                    "os error 28",
                    "os error 112",
                ];
                return Some(if full.iter().any(|s| why.contains(s)) {
                    Failure::DiskFull
                } else {
                    Failure::Other(why.clone())
                });
            }
        };
        Some(match io {
            Some(e) => of_io(e),
            None => Failure::Other(self.to_string()),
        })
    }
}

/// The I/O error at the root of `e`, if there is one.
fn io_in<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut at: Option<&'a (dyn std::error::Error + 'static)> = Some(e);
    while let Some(e) = at {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        at = e.source();
    }
    None
}

fn of_io(e: &std::io::Error) -> Failure {
    use std::io::ErrorKind as K;
    // Windows: 32 sharing violation, 33 lock violation; 112 and 39 disk full.
    match (e.kind(), e.raw_os_error()) {
        (_, Some(32 | 33)) if cfg!(windows) => Failure::InUse,
        (_, Some(112 | 39)) if cfg!(windows) => Failure::DiskFull,
        (K::StorageFull | K::QuotaExceeded, _) => Failure::DiskFull,
        (K::NotFound | K::NotADirectory, _) => Failure::FolderGone,
        (K::PermissionDenied | K::ReadOnlyFilesystem, _) => Failure::Denied,
        (K::ResourceBusy, _) => Failure::InUse,
        _ => Failure::Other(e.to_string()),
    }
}

/// Rows from items already at hand (a list the screen holds), turned into
/// cells a chunk at a time on the export's thread.
pub struct Mapped<T, F> {
    items: std::vec::IntoIter<T>,
    cells: F,
}

impl<T, F> Mapped<T, F> {
    pub fn new(items: Vec<T>, cells: F) -> Mapped<T, F> {
        Mapped {
            items: items.into_iter(),
            cells,
        }
    }
}

/// Rows per chunk of a [`Mapped`] source.
const MAPPED_CHUNK: usize = 1000;

impl<T: Send, F: FnMut(T) -> Vec<Cell> + Send> Rows for Mapped<T, F> {
    fn next_chunk(&mut self) -> Result<Vec<Vec<Cell>>, String> {
        Ok(self
            .items
            .by_ref()
            .take(MAPPED_CHUNK)
            .map(&mut self.cells)
            .collect())
    }
}
