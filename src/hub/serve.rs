//! The hub's own accept loop: a connection cap under the open-file limit
//! (excess connections answered 503 and closed at once), a deadline on
//! every phase of a connection (TLS handshake, request headers, an idle
//! keep-alive, a peer that stops reading), HTTPS with rustls when given a
//! certificate, and a graceful stop.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, Sleep};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// Connection-level limits.
#[derive(Debug, Clone)]
pub struct NetLimits {
    /// A connection must deliver a request's headers (or finish the TLS
    /// handshake) within this. hyper starts the clock whenever the
    /// connection waits for a request, so an idle keep-alive connection is
    /// closed after the same time.
    pub header_timeout: Duration,
    /// A connection on which nothing is read or written for this long is
    /// closed (a peer that stopped reading its answer).
    pub idle_timeout: Duration,
    /// Connections at once; None = derived from the open-file limit.
    pub max_connections: Option<usize>,
    /// Serve HTTPS with this certificate chain and key (PEM files).
    pub tls: Option<TlsFiles>,
}

impl Default for NetLimits {
    fn default() -> Self {
        NetLimits {
            header_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            max_connections: None,
            tls: None,
        }
    }
}

/// A certificate chain and its private key, PEM.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Files the hub keeps open besides connections (database, WAL, logs,
/// certificates), kept free under the limit.
const RESERVED_FILES: u64 = 64;

/// Raises the soft open-file limit to the hard one (where the OS allows)
/// and returns the soft limit now in force (None where there is none).
pub fn raise_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read and write the struct given.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return None;
            }
            // macOS refuses more than OPEN_MAX whatever the hard limit says.
            let want = lim.rlim_max.min(1 << 20);
            if lim.rlim_cur < want {
                let raised = libc::rlimit {
                    rlim_cur: want,
                    rlim_max: lim.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim.rlim_cur = want;
                }
            }
        }
        // rlim_t is u64 on Linux and macOS but not on every Unix.
        #[allow(clippy::unnecessary_cast)]
        Some(lim.rlim_cur as u64)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The connection cap: the configured one, else the file limit less what
/// the hub keeps open itself (Windows has no such limit: 10,000).
pub fn connection_cap(configured: Option<usize>, file_limit: Option<u64>) -> usize {
    if let Some(n) = configured {
        return n.max(1);
    }
    match file_limit {
        Some(l) => l.saturating_sub(RESERVED_FILES).clamp(16, 100_000) as usize,
        None => 10_000,
    }
}

/// Loads a PEM certificate chain and key into a TLS acceptor.
pub fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let shown = |p: &Path| p.display().to_string();
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", shown(&files.cert)))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in it", shown(&files.cert)));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| format!("{}: {e}", shown(&files.key)))?;
    let mut cfg = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("{}: {e}", shown(&files.cert)))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(cfg)))
}

/// Serves `router` on `listener` until `stop` fires, then lets open
/// requests finish (at most a few seconds).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    net: NetLimits,
    tls: Option<TlsAcceptor>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let cap = connection_cap(net.max_connections, raise_file_limit());
    let slots = Arc::new(Semaphore::new(cap));
    let (closing, closed) = watch::channel(false);
    tracing::info!("order-hub: at most {cap} connections at once");
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors or a connection reset before we
                // took it: wait a moment instead of spinning.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Over the cap: answer at once and close, so the socket is
            // freed and the client knows to come back (never queue it).
            tokio::spawn(shed(stream, tls.is_some()));
            continue;
        };
        let (router, net, tls, closed) = (router.clone(), net.clone(), tls.clone(), closed.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let _ = stream.set_nodelay(true);
            match tls {
                Some(acceptor) => {
                    match tokio::time::timeout(net.header_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(s)) => connection(s, peer, router, &net, closed).await,
                        Ok(Err(e)) => tracing::debug!("TLS handshake with {peer} failed: {e}"),
                        Err(_) => tracing::debug!("TLS handshake with {peer} timed out"),
                    }
                }
                None => connection(stream, peer, router, &net, closed).await,
            }
        });
    }
    let _ = closing.send(true);
    // Let requests in flight finish, briefly.
    let _ = tokio::time::timeout(
        Duration::from_secs(5),
        slots.acquire_many(u32::try_from(cap).unwrap_or(u32::MAX)),
    )
    .await;
}

/// The answer to a connection over the cap.
async fn shed(mut stream: TcpStream, tls: bool) {
    if tls {
        return; // dropping closes it; no plain-text answer on a TLS port
    }
    // Read (some of) the request first: an HTTP client takes an answer
    // that comes before its request for a broken connection.
    let mut head = [0u8; 4096];
    let _ = tokio::time::timeout(
        Duration::from_millis(500),
        tokio::io::AsyncReadExt::read(&mut stream, &mut head),
    )
    .await;
    let body = r#"{"error":{"code":"overloaded","message":"服务器繁忙，请稍后再试"}}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

async fn connection<S>(
    io: S,
    peer: SocketAddr,
    router: Router,
    net: &NetLimits,
    mut closed: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        async move {
            let resp = tower::ServiceExt::oneshot(router, req).await;
            Ok::<_, Infallible>(resp.unwrap_or_else(|never| match never {}))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(net.header_timeout)
        .keep_alive(true);
    let io = TokioIo::new(Idle::new(io, net.idle_timeout));
    let conn = builder.serve_connection(io, svc);
    tokio::pin!(conn);
    let stopping = async move {
        let _ = closed.wait_for(|c| *c).await;
    };
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!("connection from {peer}: {e}");
            }
        }
        () = stopping => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
        }
    }
}

/// An I/O stream that fails once nothing moved for `idle`.
struct Idle<S> {
    inner: S,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<S> Idle<S> {
    fn new(inner: S, idle: Duration) -> Self {
        Idle {
            inner,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }

    fn moved(&mut self) {
        let next = Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }
}

fn idle_error() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "connection idle too long")
}

impl<S: AsyncRead + Unpin> AsyncRead for Idle<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.moved();
                }
                Poll::Ready(r)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Idle<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(r) => {
                self.moved();
                Poll::Ready(r)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(idle_error())),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_under_the_file_limit() {
        assert_eq!(connection_cap(None, Some(1024)), 960);
        assert_eq!(connection_cap(Some(50), Some(1024)), 50);
        assert!(connection_cap(None, Some(10)) >= 16);
        assert_eq!(connection_cap(None, None), 10_000);
    }
}
