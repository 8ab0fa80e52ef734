//! A loopback TCP proxy between the client and a real order-hub that can be
//! told, request by request, to fail in the ways RELIABILITY.md lists.
//!
//! HTTP-aware at the minimum level: it reads one request (head up to
//! `\r\n\r\n`, then `Content-Length` bytes), decides the fault, forwards
//! the request over a fresh upstream connection with `Connection: close`,
//! reads the whole answer until EOF, then acts. Every client connection is
//! closed after one answer, so the client reconnects for each request.
//! Dropping the proxy stops it. Everything stays on 127.0.0.1.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// What to do with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Forward it and relay the answer.
    Pass,
    /// Answer 500 without forwarding.
    Status500,
    /// Answer 429 with `Retry-After: secs` without forwarding.
    TooMany { retry_after_secs: u64 },
    /// Read the request, forward nothing, close without a reply (the
    /// network is down).
    Refuse,
    /// Forward it (the server commits), then close the client connection
    /// without replying: "server committed, reply lost".
    CutAfterForward,
    /// Forward it, send only the first half of the answer's bytes, close:
    /// "dropped mid-page".
    HalfResponse,
    /// Wait this long, then forward normally.
    Delay(Duration),
    /// Forward it, then answer 200 with this body instead of the server's
    /// (malformed JSON, an unknown enum value…).
    ReplaceBody(Vec<u8>),
}

/// One request the proxy saw.
#[derive(Debug, Clone)]
pub struct Seen {
    /// When its head and body had been read.
    pub at: Instant,
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Its `Idempotency-Key`, if any.
    pub key: Option<String>,
    /// What the proxy did with it.
    pub fault: Fault,
}

struct Rule {
    path_contains: Option<String>,
    fault: Fault,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Rule>,
    offline: bool,
    seen: Vec<Seen>,
}

impl State {
    /// The first queued fault that applies to `path`, taken off the queue;
    /// pass-through when none does.
    fn decide(&mut self, path: &str) -> Fault {
        if self.offline {
            return Fault::Refuse;
        }
        let hit = self.queue.iter().position(|r| {
            r.path_contains
                .as_deref()
                .is_none_or(|needle| path.contains(needle))
        });
        match hit {
            Some(i) => self.queue.remove(i).expect("index in range").fault,
            None => Fault::Pass,
        }
    }
}

/// A running proxy; stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Listens on 127.0.0.1:0 and forwards to `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> Proxy {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("upstream is http://ip:port");
        assert!(
            upstream.ip().is_loopback(),
            "the proxy only talks to loopback"
        );
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        let task = tokio::spawn(async move {
            // Connection tasks live in this set: aborting the accept task
            // drops the set, which aborts them too.
            let mut conns = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((client, _)) = accepted else { continue };
                        conns.spawn(serve(client, upstream, st.clone()));
                    }
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
        });
        Proxy { addr, state, task }
    }

    /// `http://127.0.0.1:port`, for the client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues a fault for the next request, whatever its path.
    pub fn push(&self, fault: Fault) {
        self.lock().queue.push_back(Rule {
            path_contains: None,
            fault,
        });
    }

    /// Queues a fault for the next request whose path contains `needle`.
    pub fn push_for(&self, needle: &str, fault: Fault) {
        self.lock().queue.push_back(Rule {
            path_contains: Some(needle.to_owned()),
            fault,
        });
    }

    /// While set, every request is refused (read, never forwarded, closed
    /// without a reply); queued faults wait.
    pub fn set_offline(&self, offline: bool) {
        self.lock().offline = offline;
    }

    /// Faults still queued.
    pub fn queued(&self) -> usize {
        self.lock().queue.len()
    }

    /// Every request seen so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }

    /// Requests seen whose path contains `needle`.
    pub fn seen_for(&self, needle: &str) -> Vec<Seen> {
        self.lock()
            .seen
            .iter()
            .filter(|s| s.path.contains(needle))
            .cloned()
            .collect()
    }

    /// How many requests whose path contains `needle` were seen.
    pub fn count(&self, needle: &str) -> usize {
        self.lock()
            .seen
            .iter()
            .filter(|s| s.path.contains(needle))
            .count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("proxy state")
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A parsed request: its head lines and its body.
struct Request {
    method: String,
    path: String,
    version: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request as sent upstream, with `Connection: close`.
    fn upstream_bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} {}\r\n", self.method, self.path, self.version);
        for (k, v) in &self.headers {
            if k.eq_ignore_ascii_case("connection") || k.eq_ignore_ascii_case("keep-alive") {
                continue;
            }
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("Connection: close\r\n\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// Reads one request; `None` when the client went away first.
async fn read_request(client: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = find_head_end(&buf) {
            break end;
        }
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end - 4]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let version = first.next().unwrap_or("HTTP/1.1").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut req = Request {
        method,
        path,
        version,
        headers,
        body: buf[head_end..].to_vec(),
    };
    assert!(
        req.header("transfer-encoding").is_none(),
        "the proxy only handles Content-Length bodies"
    );
    let len: usize = req
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while req.body.len() < len {
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        req.body.extend_from_slice(&chunk[..n]);
    }
    req.body.truncate(len);
    Some(req)
}

/// Sends `req` upstream on a fresh connection and reads the whole answer.
async fn forward(upstream: SocketAddr, req: &Request) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(upstream).await.ok()?;
    up.write_all(&req.upstream_bytes()).await.ok()?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).await.ok()?;
    Some(answer)
}

/// A whole answer made here, closing the connection.
fn answer(status: &str, extra: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// The server's answer with `Connection: close` (and, if given, another
/// body with a fixed `Content-Length` and status 200).
fn rewrite(raw: &[u8], body: Option<&[u8]>) -> Vec<u8> {
    let Some(head_end) = find_head_end(raw) else {
        return raw.to_vec();
    };
    let head = String::from_utf8_lossy(&raw[..head_end - 4]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("HTTP/1.1 200 OK");
    let drop_header = |k: &str| {
        k.eq_ignore_ascii_case("connection")
            || k.eq_ignore_ascii_case("keep-alive")
            || (body.is_some()
                && (k.eq_ignore_ascii_case("content-length")
                    || k.eq_ignore_ascii_case("transfer-encoding")))
    };
    let mut out = match body {
        Some(_) => "HTTP/1.1 200 OK\r\n".to_owned(),
        None => format!("{status_line}\r\n"),
    };
    for line in lines {
        let name = line.split(':').next().unwrap_or("").trim();
        if !drop_header(name) {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    if let Some(b) = body {
        out.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body.unwrap_or(&raw[head_end..]));
    bytes
}

/// Serves one client connection: one request, one fault, then close.
async fn serve(mut client: TcpStream, upstream: SocketAddr, state: Arc<Mutex<State>>) {
    let Some(req) = read_request(&mut client).await else {
        return;
    };
    let fault = {
        let mut st = state.lock().expect("proxy state");
        let fault = st.decide(&req.path);
        st.seen.push(Seen {
            at: Instant::now(),
            method: req.method.clone(),
            path: req.path.clone(),
            key: req.header("idempotency-key").map(str::to_owned),
            fault: fault.clone(),
        });
        fault
    };
    let reply = match fault {
        Fault::Refuse => None,
        Fault::Status500 => Some(answer(
            "500 Internal Server Error",
            &[("Content-Type", "application/json".into())],
            br#"{"error":{"code":"internal","message":"proxy: injected 500"}}"#,
        )),
        Fault::TooMany { retry_after_secs } => Some(answer(
            "429 Too Many Requests",
            &[
                ("Content-Type", "application/json".into()),
                ("Retry-After", retry_after_secs.to_string()),
            ],
            br#"{"error":{"code":"rate_limited","message":"proxy: injected 429"}}"#,
        )),
        Fault::Pass => forward(upstream, &req).await.map(|r| rewrite(&r, None)),
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            forward(upstream, &req).await.map(|r| rewrite(&r, None))
        }
        Fault::CutAfterForward => {
            let _ = forward(upstream, &req).await;
            None
        }
        Fault::HalfResponse => forward(upstream, &req).await.map(|r| {
            let whole = rewrite(&r, None);
            whole[..whole.len() / 2].to_vec()
        }),
        Fault::ReplaceBody(body) => forward(upstream, &req)
            .await
            .map(|r| rewrite(&r, Some(&body))),
    };
    if let Some(bytes) = reply {
        let _ = client.write_all(&bytes).await;
        let _ = client.flush().await;
    }
    let _ = client.shutdown().await;
}
