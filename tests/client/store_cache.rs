//! The client's cache file: survives restarts, and a corrupt or foreign
//! file is kept aside and replaced instead of stopping the client.

use crate::crash;

use outlet_desk::api::SessionUser;
use outlet_desk::domain::{Action, Outlet, OutletKind, Role, Staff};
use outlet_desk::i18n::Lang;
use outlet_desk::store::{OfflineCheck, Salvage, Store, StoreError};

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
    let Some(StoreError::Corrupt { kept, salvage }) = problem else {
        panic!("expected a corrupt-cache notice, got {problem:?}");
    };
    assert!(
        salvage.is_empty(),
        "a text file holds no outbox: {salvage:?}"
    );
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

/// Enough outlets to spread over many pages, so a damaged page in the
/// middle leaves the header and the schema readable.
fn many_outlets(s: &Store) {
    let outlets: Vec<Outlet> = (0..400)
        .map(|i| Outlet {
            code: format!("O{i:04}"),
            name: format!("营业部 {i} {}", "长名称".repeat(20)),
            ..Outlet::blank(OutletKind::Outlet, Some("HQ"))
        })
        .collect();
    s.replace_outlets(1, &outlets).unwrap();
}

fn failed(i: usize) -> Action {
    Action::PickupFailed {
        reason_code: "customer_cancelled".into(),
        note: format!("note-M{i:03}-{}", "客户改天".repeat(40)),
    }
}

/// Opens a damaged copy and returns the new store, where the old file
/// went, and what was saved.
fn reopen(path: &std::path::Path) -> (Store, String, Salvage) {
    let (s, problem) = Store::open(path).unwrap();
    let Some(StoreError::Corrupt { kept, salvage }) = problem else {
        panic!("the damage is found: {problem:?}");
    };
    (s, kept, salvage)
}

/// The keys and order numbers the store would send, in order (each one
/// marked answered once read, so the next comes up).
fn to_send(s: &Store) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while let Some(item) = s.next_outbox().unwrap() {
        s.outbox_rejected(item.id, "read by the test", None)
            .unwrap();
        out.push((item.key, item.order_no));
    }
    out
}

/// Issue 14 item 7 / RELIABILITY 24: the newest actions sit in the
/// `-wal` when the PC dies; a page of the main file is damaged. Every
/// action comes back with its key, and the WAL stays beside the kept copy.
#[test]
fn queued_actions_in_the_wal_of_a_damaged_cache_are_salvaged() {
    let live = tempfile::tempdir().unwrap();
    let path = live.path().join("cache.db");
    let (s, _) = Store::open(&path).unwrap();
    s.claim("clerk.a1").unwrap();
    many_outlets(&s);
    crash::checkpoint(&path);
    let keys: Vec<String> = ["o-1", "o-2", "o-3"]
        .iter()
        .map(|no| s.enqueue(no, &Action::Contacted).unwrap())
        .collect();

    // The power goes: the files as they were, then a page of orders'
    // neighbours (the outlets) damaged.
    let crashed = tempfile::tempdir().unwrap();
    let copy = crash::snapshot(&path, crashed.path());
    drop(s);
    let wal_before = std::fs::read(format!("{}-wal", copy.display())).unwrap();
    crash::damage_page(&copy, crash::pages(&copy) / 2);

    let (s, kept, salvage) = reopen(&copy);
    assert_eq!(salvage.lost, Vec::<Option<String>>::new());
    assert!(!salvage.incomplete);
    let recovered: Vec<&str> = salvage
        .recovered
        .iter()
        .map(|a| a.order_no.as_str())
        .collect();
    assert_eq!(recovered, ["o-1", "o-2", "o-3"]);
    // Kept aside with its log, untouched, where SQLite looks for it.
    assert!(std::path::Path::new(&kept).exists());
    assert_eq!(std::fs::read(format!("{kept}-wal")).unwrap(), wal_before);
    // The new cache sends them as the clerk's, with their first keys.
    assert_eq!(s.owner().unwrap().as_deref(), Some("clerk.a1"));
    assert_eq!(s.pending_count().unwrap(), 3);
    let sent: Vec<String> = to_send(&s).into_iter().map(|(k, _)| k).collect();
    assert_eq!(sent, keys);
    // The user reads which ones.
    let msg = salvage.user_message(Lang::ZhCn, &kept);
    assert!(
        msg.contains("已从中找回 3 个未发送的操作") && msg.contains("o-2 已联系"),
        "{msg}"
    );
}

/// A page of the outbox itself is damaged: what is readable comes back,
/// and the user is told which orders' actions could not be read.
#[test]
fn a_damaged_outbox_page_loses_only_its_entries_and_names_them() {
    const N: usize = 60;
    let live = tempfile::tempdir().unwrap();
    let path = live.path().join("cache.db");
    let (s, _) = Store::open(&path).unwrap();
    s.claim("clerk.a1").unwrap();
    many_outlets(&s);
    let keys: Vec<String> = (0..N)
        .map(|i| s.enqueue(&format!("o-{i:03}"), &failed(i)).unwrap())
        .collect();
    drop(s);
    crash::checkpoint(&path);
    let crashed = tempfile::tempdir().unwrap();
    let copy = crash::snapshot(&path, crashed.path());
    // The page holding entry 30's note (only the table holds notes).
    crash::damage_page(&copy, crash::page_of(&copy, b"note-M030-"));

    let (s, kept, salvage) = reopen(&copy);
    assert!(!salvage.incomplete, "the indexes still say what is missing");
    assert!(
        salvage.lost.contains(&Some("o-030".to_owned())),
        "{:?}",
        salvage.lost
    );
    assert!(salvage.lost.iter().all(Option::is_some));
    assert_eq!(salvage.recovered.len() + salvage.lost.len(), N);
    assert!(salvage.recovered.len() > N / 2, "{salvage:?}");
    // Recovered ones go out with their own keys, in their old order.
    let expected: Vec<(String, String)> = (0..N)
        .filter(|i| !salvage.lost.contains(&Some(format!("o-{i:03}"))))
        .map(|i| (keys[i].clone(), format!("o-{i:03}")))
        .collect();
    assert_eq!(to_send(&s), expected);
    let msg = salvage.user_message(Lang::En, &kept);
    assert!(
        msg.contains("could not be read; please redo them: ") && msg.contains("o-030"),
        "{msg}"
    );
}

fn li() -> SessionUser {
    SessionUser {
        login: "li".into(),
        name: "李明".into(),
        outlet_code: "A".into(),
        role: Role::Clerk,
    }
}

/// Issue 14 item 6: the offline view opens only for the password of the
/// last online login, checked against a verifier (never the password),
/// with the hub's growing waits after wrong ones, kept across restarts.
#[test]
fn the_offline_view_needs_the_last_users_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let now = chrono::Utc::now();
    let (s, _) = Store::open(&path).unwrap();
    s.set_last_user(&li()).unwrap();
    assert_eq!(
        s.offline_login("li", "secret-pw-1", now).unwrap(),
        OfflineCheck::NoVerifier,
        "no online login yet"
    );
    s.remember_password(&li(), "secret-pw-1").unwrap();
    assert_eq!(
        s.offline_login("li", "secret-pw-1", now).unwrap(),
        OfflineCheck::Open(li())
    );
    assert_eq!(
        s.offline_login("li", "secret-pw-2", now).unwrap(),
        OfflineCheck::Refused
    );
    assert_eq!(
        s.offline_login("wang", "secret-pw-1", now).unwrap(),
        OfflineCheck::Refused,
        "only the last user"
    );
    // The file holds no password, only its verifier.
    drop(s);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(11).any(|w| w == b"secret-pw-1"));
    }

    // Guessing: a few free tries, then waits that a restart keeps.
    let (s, _) = Store::open(&path).unwrap();
    for _ in 0..3 {
        assert_eq!(
            s.offline_login("li", "guess", now).unwrap(),
            OfflineCheck::Refused
        );
    }
    let (s, _) = Store::open(&path).unwrap();
    assert!(matches!(
        s.offline_login("li", "secret-pw-1", now).unwrap(),
        OfflineCheck::Wait(d) if d == std::time::Duration::from_secs(1)
    ));
    let later = now + chrono::Duration::seconds(2);
    assert_eq!(
        s.offline_login("li", "secret-pw-1", later).unwrap(),
        OfflineCheck::Open(li()),
        "after the wait the right password opens, and the count is reset"
    );
    assert_eq!(
        s.offline_login("li", "guess", later).unwrap(),
        OfflineCheck::Refused
    );

    // The server refuses a password the verifier still knows (changed
    // there, or the account deactivated): it opens nothing here any more.
    s.forget_password("li", Some("not-it")).unwrap();
    assert_eq!(
        s.offline_login("li", "secret-pw-1", later).unwrap(),
        OfflineCheck::Open(li()),
        "a wrong password online says nothing about the kept one"
    );
    s.forget_password("li", Some("secret-pw-1")).unwrap();
    assert_eq!(
        s.offline_login("li", "secret-pw-1", later).unwrap(),
        OfflineCheck::NoVerifier
    );
    s.remember_password(&li(), "secret-pw-3").unwrap();
    s.forget_password("li", None).unwrap();
    assert_eq!(
        s.offline_login("li", "secret-pw-3", later).unwrap(),
        OfflineCheck::NoVerifier,
        "deactivated"
    );
}
