//! The client's cache file: survives restarts, and a corrupt or foreign
//! file is kept aside and replaced instead of stopping the client.

use outlet_desk::api::SessionUser;
use outlet_desk::domain::{Outlet, OutletKind, Role, Staff};
use outlet_desk::store::{Store, StoreError};

fn outlet(code: &str, parent: Option<&str>) -> Outlet {
    Outlet {
        code: code.into(),
        name: format!("网点{code}"),
        ..Outlet::blank(
            if parent.is_none() {
                OutletKind::Hq
            } else {
                OutletKind::Office
            },
            parent,
        )
    }
}

#[test]
fn outlets_staff_and_last_user_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    {
        let (s, problem) = Store::open(&path).unwrap();
        assert!(problem.is_none());
        s.replace_outlets(7, &[outlet("HQ", None), outlet("A", Some("HQ"))])
            .unwrap();
        s.put_staff(&[Staff {
            login: "li".into(),
            name: "李明".into(),
            outlet_code: "A".into(),
            role: Role::Clerk,
            phone: String::new(),
            active: true,
            version: 1,
        }])
        .unwrap();
        s.set_last_user(&SessionUser {
            login: "li".into(),
            name: "李明".into(),
            outlet_code: "A".into(),
            role: Role::Clerk,
        })
        .unwrap();
    }
    let (s, problem) = Store::open(&path).unwrap();
    assert!(problem.is_none());
    assert_eq!(s.outlet_revision().unwrap(), 7);
    assert_eq!(s.outlets().unwrap().len(), 2);
    assert_eq!(s.staff(None, "李", 10).unwrap().len(), 1);
    assert_eq!(s.staff(Some(&["B".into()]), "", 10).unwrap().len(), 0);
    assert_eq!(s.last_user().unwrap().unwrap().login, "li");
    // A later full list replaces the earlier one.
    s.replace_outlets(8, &[outlet("HQ", None)]).unwrap();
    assert_eq!(s.outlets().unwrap().len(), 1);
}

#[test]
fn a_corrupt_cache_is_kept_aside_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    std::fs::write(
        &path,
        b"this is not a database, just a text file that got here",
    )
    .unwrap();
    let (s, problem) = Store::open(&path).unwrap();
    let Some(StoreError::Corrupt { kept }) = problem else {
        panic!("expected a corrupt-cache notice, got {problem:?}");
    };
    assert!(std::path::Path::new(&kept).exists(), "kept aside at {kept}");
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        b"this is not a database, just a text file that got here"
    );
    assert!(s.outlets().unwrap().is_empty());
    s.replace_outlets(1, &[outlet("HQ", None)]).unwrap();
    assert_eq!(s.outlets().unwrap().len(), 1);
}

#[test]
fn a_foreign_sqlite_file_is_kept_aside_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE outlets(x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let (s, problem) = Store::open(&path).unwrap();
    assert!(
        matches!(problem, Some(StoreError::Corrupt { .. })),
        "{problem:?}"
    );
    assert!(s.outlets().unwrap().is_empty());
}
