//! A hub's first start on PostgreSQL for tests, made once per cluster and
//! test process and then copied: `CREATE DATABASE … TEMPLATE` costs a
//! fraction of a first start on SQLite (password hashes, the demo)
//! followed by `order-hub migrate`'s copy, which each test on PostgreSQL
//! paid before.

use std::collections::BTreeMap;

use outlet_desk::hub;

use super::TestHub;
use super::pg::PgCluster;

impl PgCluster {
    /// A new database holding a test hub's first start (`demo` or not),
    /// as a URL; nothing is connected to it yet.
    pub async fn first_start_copy(&self, demo: bool) -> String {
        static TEMPLATES: tokio::sync::Mutex<BTreeMap<(String, bool), String>> =
            tokio::sync::Mutex::const_new(BTreeMap::new());
        let template = {
            let mut made = TEMPLATES.lock().await;
            let key = (self.url.clone(), demo);
            match made.get(&key) {
                Some(name) => name.clone(),
                None => {
                    let name = self.first_start_template(demo).await;
                    made.insert(key, name.clone());
                    name
                }
            }
        };
        self.database_like("conformance", &template).await
    }

    /// The first start on SQLite copied by `order-hub migrate`'s code into
    /// a database of its own, which tests only copy: its name.
    async fn first_start_template(&self, demo: bool) -> String {
        let lite = TestHub::start(demo).await;
        let TestHub {
            hub: running, dir, ..
        } = lite;
        running.stop().await;
        let url = self.database("first_start").await;
        migrate(dir.path(), &url).await;
        match url.rsplit_once('/') {
            Some((_, name)) => name.to_owned(),
            None => panic!("no database in {url}"),
        }
    }
}

/// Copies the (stopped) SQLite hub's database in `data_dir` into the empty
/// PostgreSQL database at `url` with `order-hub migrate`'s code.
pub(super) async fn migrate(data_dir: &std::path::Path, url: &str) {
    let opts = hub::migrate::Options {
        from: hub::migrate::Endpoint::Sqlite(data_dir.join("hub.db")),
        to: hub::migrate::Endpoint::Postgres(url.to_owned()),
        with_sessions: false,
    };
    tokio::task::spawn_blocking(move || hub::migrate::run(&opts))
        .await
        .expect("join")
        .expect("copied into PostgreSQL");
}
