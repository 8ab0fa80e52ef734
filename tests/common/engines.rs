//! Running one check on each hub engine (issue 15's conformance suite).

/// Runs each named check (an `async fn(Engine)`) as a test on each
/// engine, as `sqlite::check` and `postgres::check`; the `postgres_only`
/// checks (no argument) run on PostgreSQL alone (several hubs on one
/// database); the `sqlite_only` checks (an `async fn(Engine)` too) run as
/// `sqlite::check` alone: scenarios whose fault the test proxy or the
/// client itself makes, where the hub's engine plays no part and a second
/// run would only cost CI time. A check on PostgreSQL returns early,
/// passing, where this machine cannot run it (see [`super::pg`]).
#[allow(unused_macros)] // the UI binary runs on the embedded hub only
macro_rules! on_both_engines {
    ($($check:ident),* $(,)?) => {
        on_both_engines!($($check),*; postgres_only:; sqlite_only:);
    };
    ($($check:ident),* $(,)?; postgres_only: $($pg:ident),* $(,)?) => {
        on_both_engines!($($check),*; postgres_only: $($pg),*; sqlite_only:);
    };
    ($($check:ident),* $(,)?; sqlite_only: $($sq:ident),* $(,)?) => {
        on_both_engines!($($check),*; postgres_only:; sqlite_only: $($sq),*);
    };
    ($($check:ident),* $(,)?; postgres_only: $($pg:ident),* $(,)?; sqlite_only: $($sq:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    super::$check(crate::common::Engine::Sqlite).await
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $sq() {
                    super::$sq(crate::common::Engine::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    super::$check(crate::common::Engine::Postgres).await
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $pg() {
                    super::$pg().await
                }
            )*
        }
    };
}
