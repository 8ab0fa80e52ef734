//! A throw-away PostgreSQL cluster for a test (scripts/pg-test.sh), stopped
//! when dropped.

use std::path::Path;
use std::process::Command;

pub struct PgCluster {
    dir: tempfile::TempDir,
    /// `postgres://…/order_hub` (an empty database).
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
                Ok(PgCluster { dir, url })
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

    /// A new empty database in the cluster, as a URL.
    pub async fn database(&self, name: &str) -> String {
        let c = outlet_desk::hub::pg::connect(&self.url)
            .await
            .expect("connect");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
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
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}
