//! One client per data dir: a second start on the same data dir brings the
//! running window to the front instead of opening a second cache writer.
//!
//! The running client listens on a loopback port derived from its data dir;
//! the port is the lock (the OS frees it when the process dies, so a crash
//! never leaves a stale lock behind, on Windows or Linux).

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// What starting found.
#[derive(Debug, PartialEq, Eq)]
pub enum Start {
    /// This is the only client on the data dir.
    First,
    /// Another client already runs on it and was asked to come to the front.
    AlreadyRunning,
}

fn port_for(dir: &str) -> u16 {
    let mut h: u32 = 0x811c_9dc5;
    for b in dir.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    20_000 + (h % 30_000) as u16
}

fn key(dir: &Path) -> String {
    std::fs::canonicalize(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string()
}

static SHOW: OnceLock<Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<()>>>> = OnceLock::new();
/// The port this process holds, and whether to let it go.
static HELD: OnceLock<SocketAddr> = OnceLock::new();
static RELEASE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Claims `data_dir` for this process, or wakes the client that has it.
pub fn claim(data_dir: &Path) -> Start {
    let me = key(data_dir);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port_for(&me)));
    match TcpListener::bind(addr) {
        Ok(listener) => {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let _ = SHOW.set(Mutex::new(Some(rx)));
            let dir = me.clone();
            let _ = HELD.set(addr);
            let spawned = std::thread::Builder::new()
                .name("single-instance".into())
                .spawn(move || {
                    for conn in listener.incoming().flatten() {
                        if RELEASE.load(std::sync::atomic::Ordering::SeqCst) {
                            // Dropping the listener frees the port.
                            return;
                        }
                        let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
                        let mut line = String::new();
                        let mut reader = BufReader::new(&conn);
                        if reader.read_line(&mut line).is_err() {
                            continue;
                        }
                        let asked = line.trim().strip_prefix("show ").unwrap_or("");
                        let mut w = &conn;
                        if asked == dir {
                            let _ = tx.send(());
                            let _ = writeln!(w, "ok {dir}");
                        } else {
                            let _ = writeln!(w, "other {dir}");
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::warn!("single-instance listener: {e}");
            }
            Start::First
        }
        Err(_) => {
            // Someone holds the port: ask whether it is a client on our dir.
            let answer =
                TcpStream::connect_timeout(&addr, Duration::from_secs(2)).and_then(|mut s| {
                    s.set_read_timeout(Some(Duration::from_secs(2)))?;
                    writeln!(s, "show {me}")?;
                    let mut line = String::new();
                    BufReader::new(&s).read_line(&mut line)?;
                    Ok(line)
                });
            match answer {
                Ok(l) if l.trim() == format!("ok {me}") => Start::AlreadyRunning,
                _ => {
                    tracing::warn!(
                        "port {} is taken by something else; running without the single-instance guard",
                        addr.port()
                    );
                    Start::First
                }
            }
        }
    }
}

/// Lets the data dir go, e.g. before relaunching with another renderer,
/// so the new process can claim it.
pub fn release() {
    let Some(addr) = HELD.get() else { return };
    RELEASE.store(true, std::sync::atomic::Ordering::SeqCst);
    // Wake the listener so it sees the flag and closes.
    let _ = TcpStream::connect_timeout(addr, Duration::from_secs(1));
    for _ in 0..50 {
        if TcpListener::bind(addr).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Requests to come to the front, for the app's subscription (taken once).
pub fn show_requests() -> Option<tokio::sync::mpsc::UnboundedReceiver<()>> {
    SHOW.get()
        .and_then(|m| m.lock().ok().and_then(|mut r| r.take()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_start_on_the_same_dir_wakes_the_first_until_released() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(claim(dir.path()), Start::First);
        let mut rx = show_requests().expect("receiver");
        assert_eq!(claim(dir.path()), Start::AlreadyRunning);
        assert!(
            rx.try_recv().is_ok() || {
                std::thread::sleep(Duration::from_millis(200));
                rx.try_recv().is_ok()
            }
        );
    }
}
