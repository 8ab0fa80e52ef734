//! "Ask the server, else the cache": the one policy for reads that the
//! cache can answer when the server cannot. Online, the server answers and
//! its answer is kept in the cache; offline, or when the server cannot be
//! reached, the cache answers instead.

use std::future::Future;

use crate::store::{Store, StoreError};
use crate::sync::ClientError;

/// Where an answer came from.
#[derive(Debug, Clone)]
pub enum Fetched<T> {
    /// The server's answer (already kept in the cache).
    Server(T),
    /// The cache's answer; `unreachable` when the server was tried and
    /// could not be reached (the app goes offline).
    Cache {
        answer: Result<T, StoreError>,
        unreachable: bool,
    },
    /// The server refused (a rule, the session): not a question for the
    /// cache.
    Refused(ClientError),
}

/// Asks `ask` when `online`, keeping its answer with `keep`; otherwise, or
/// when the server cannot be reached, answers with `read` on the cache.
/// Every cache call runs on a worker thread. A failed `keep` is only
/// logged: the answer stands, and the next read fetches it again.
pub async fn server_else_cache<T, A>(
    online: bool,
    ask: A,
    store: Store,
    read: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    keep: impl FnOnce(&Store, &T) -> Result<(), StoreError> + Send + 'static,
) -> Fetched<T>
where
    T: Clone + Send + 'static,
    A: Future<Output = Result<T, ClientError>>,
{
    let unreachable = if online {
        match ask.await {
            Ok(answer) => {
                let kept = answer.clone();
                if let Err(e) = store.run(move |s| keep(s, &kept)).await {
                    tracing::warn!("keeping a server answer in the cache failed: {e}");
                }
                return Fetched::Server(answer);
            }
            Err(e) if e.is_unreachable() => true,
            Err(e) => return Fetched::Refused(e),
        }
    } else {
        false
    };
    Fetched::Cache {
        answer: store.run(read).await,
        unreachable,
    }
}
