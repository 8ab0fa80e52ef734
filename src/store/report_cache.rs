//! The report's last answer (阿里巴巴成交比), so the screen opens offline
//! with it and its age, and the folder the last export went to. Both live
//! in `meta`; the answer is the owner's only (the cache's claim drops it).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, get_meta, set_meta};
use crate::api::report::ConversionReport;

/// The `meta` key of the last answer.
pub(super) const LAST_REPORT: &str = "report_last";
const EXPORT_FOLDER: &str = "export_folder";

/// A report as it was answered, and when (server time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedReport {
    pub fetched: DateTime<Utc>,
    pub report: ConversionReport,
}

fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Db(e.to_string()))
}

impl Store {
    /// The last report answered on this PC, if any (an unreadable one is
    /// none: it is only a cache).
    pub fn last_report(&self) -> Result<Option<CachedReport>, StoreError> {
        self.with(|c| Ok(get_meta(c, LAST_REPORT)?.and_then(|v| serde_json::from_str(&v).ok())))
    }

    /// Keeps a report answer for the next time the server is away.
    pub fn set_last_report(&self, r: &CachedReport) -> Result<(), StoreError> {
        let v = to_json(r)?;
        self.with(|c| set_meta(c, LAST_REPORT, &v))
    }

    /// The folder the last export was written to.
    pub fn export_folder(&self) -> Result<Option<PathBuf>, StoreError> {
        self.with(|c| Ok(get_meta(c, EXPORT_FOLDER)?.map(PathBuf::from)))
    }

    /// Remembers the folder an export was written to.
    pub fn set_export_folder(&self, folder: &Path) -> Result<(), StoreError> {
        let v = folder.to_string_lossy().into_owned();
        self.with(|c| set_meta(c, EXPORT_FOLDER, &v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::report::ReportRow;
    use chrono::NaiveDate;

    fn answer() -> CachedReport {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        CachedReport {
            fetched: Utc::now(),
            report: ConversionReport {
                from: day,
                to: day,
                outlet_code: "JS".into(),
                as_of: Utc::now(),
                total: ReportRow {
                    name: "江苏分公司".into(),
                    valid: 3,
                    billed: 2,
                    ..ReportRow::default()
                }
                .finish(),
                children: Vec::new(),
                days: Vec::new(),
                target_percent: 60,
            },
        }
    }

    #[test]
    fn the_last_answer_and_folder_outlive_a_restart_and_another_user_drops_the_answer() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("cache.db");
        let (store, _) = Store::open(&db).expect("open");
        assert!(store.claim("admin").expect("claim"));
        assert_eq!(store.last_report().expect("read"), None);
        let a = answer();
        store.set_last_report(&a).expect("keep");
        store
            .set_export_folder(&dir.path().join("导出"))
            .expect("folder");
        drop(store);

        let (store, _) = Store::open(&db).expect("open again");
        assert_eq!(store.last_report().expect("read"), Some(a));
        // The same user again keeps it; someone else never sees it.
        assert!(!store.claim("admin").expect("claim"));
        assert!(store.last_report().expect("read").is_some());
        assert!(store.claim("yz.clerk").expect("claim"));
        assert_eq!(store.last_report().expect("read"), None);
        // The folder is this PC's, whoever exports.
        assert_eq!(
            store.export_folder().expect("folder"),
            Some(dir.path().join("导出"))
        );
    }
}
