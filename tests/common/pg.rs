//! A throw-away PostgreSQL cluster for a test (scripts/pg-test.sh), stopped
//! when dropped — or, under scripts/test.sh, the one cluster that script
//! started for the whole run (`ORDER_HUB_TEST_PG`), each test in databases
//! of its own: an `initdb` per test cost seconds each.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

/// Set by scripts/test.sh: the URL of its cluster's `order_hub` database.
const SHARED: &str = "ORDER_HUB_TEST_PG";

pub struct PgCluster {
    /// The cluster's directory when this test started its own.
    dir: Option<tempfile::TempDir>,
    /// `postgres://…/order_hub`, to create databases from.
    pub url: String,
}

impl PgCluster {
    /// `Err` with the reason when this machine cannot run one (no
    /// PostgreSQL installed, or not Linux: CI's wine run); a test then
    /// prints it and passes.
    pub fn start() -> Result<PgCluster, String> {
        if !cfg!(target_os = "linux") {
            return Err("PostgreSQL tests run on Linux only".into());
        }
        if let Ok(url) = std::env::var(SHARED) {
            return Ok(PgCluster { dir: None, url });
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = Command::new("bash")
            .arg(script())
            .arg("start")
            .arg(dir.path())
            .output()
            .map_err(|e| e.to_string())?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        match out.status.code() {
            Some(0) => {
                let url = std::fs::read_to_string(dir.path().join("database_url"))
                    .map_err(|e| e.to_string())?
                    .trim()
                    .to_owned();
                Ok(PgCluster {
                    dir: Some(dir),
                    url,
                })
            }
            Some(3) => Err(stderr),
            _ => panic!("PostgreSQL did not start: {stderr}"),
        }
    }

    /// [`PgCluster::start`], or `None` after printing why the test skips.
    pub fn or_skip() -> Option<PgCluster> {
        PgCluster::start()
            .inspect_err(|reason| println!("skipped: {reason}"))
            .ok()
    }

    /// A new empty database in the cluster, as a URL; its name is `name`
    /// made unique, since tests share the script's cluster.
    pub async fn database(&self, name: &str) -> String {
        self.database_like(name, "template1").await
    }

    /// [`PgCluster::database`] as a copy of database `template` (which
    /// nothing may be connected to).
    pub async fn database_like(&self, name: &str, template: &str) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "{name}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let c = outlet_desk::hub::pg::connect(&self.url)
            .await
            .expect("connect");
        c.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .expect("create database");
        match self.url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("no database in {}", self.url),
        }
    }
}

fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-test.sh")
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // The script's shared cluster is stopped by the script.
        if let Some(dir) = &self.dir {
            let _ = Command::new("bash")
                .arg(script())
                .arg("stop")
                .arg(dir.path())
                .status();
        }
    }
}
