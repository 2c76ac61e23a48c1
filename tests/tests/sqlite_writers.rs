//! Two writers on one SQLite file: `atomic` opens `BEGIN IMMEDIATE`, so a
//! transaction that reads then writes (`get_or_create`) waits for the other
//! writer (up to the busy timeout) instead of failing with "database is
//! locked" halfway; nothing is lost or doubled.

use std::time::{Duration, Instant};

use dunder::prelude::*;
use dunder_test_models::conformance::Tag;

fn file() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "dunder-writers-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    dir.join("app.sqlite3")
}

/// Another connection holds the write lock for `hold` while it creates
/// `name`, then commits.
fn other_writer(
    path: &std::path::Path,
    name: &'static str,
    hold: Duration,
) -> std::thread::JoinHandle<()> {
    let path = path.to_owned();
    let (started, wait) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .expect("lock");
        query!(Tag.create(name = name)).run(&*tx).expect("create");
        started.send(()).expect("signal");
        std::thread::sleep(hold);
        tx.commit().expect("commit");
    });
    wait.recv().expect("the other writer started");
    handle
}

#[test]
fn get_or_create_in_atomic_waits_for_the_other_writer() {
    let path = file();
    let mut conn = rusqlite::Connection::open(&path).expect("open");
    dunder::create_table::<Tag, _>(&conn).expect("table");
    conn.execute_batch("CREATE UNIQUE INDEX tag_name ON tag (name)")
        .expect("unique");
    let other = other_writer(&path, "rust", Duration::from_millis(300));
    let start = Instant::now();
    let (tag, created) = dunder::atomic(&mut conn, |tx| {
        query!(Tag.get_or_create(name = "rust")).run(&*tx)
    })
    .expect("waits for the lock, then finds the other writer's row");
    assert!(
        start.elapsed() >= Duration::from_millis(250),
        "{:?}",
        start.elapsed()
    );
    assert!(!created, "the other writer created it first");
    assert_eq!(tag.name, "rust");
    other.join().expect("other writer");
    let n: i64 = query!(Tag.filter(name = "rust").count())
        .run(&conn)
        .expect("count");
    assert_eq!(n, 1, "nothing doubled");
}

#[test]
fn a_deferred_transaction_cannot_wait_and_says_so() {
    let path = file();
    let mut conn = rusqlite::Connection::open(&path).expect("open");
    dunder::create_table::<Tag, _>(&conn).expect("table");
    let other = other_writer(&path, "orm", Duration::from_millis(300));
    // DEFERRED: the read starts a read transaction, the write then cannot
    // take the lock from the other writer (SQLite refuses to wait: it could
    // deadlock), so the call fails; the default mode waits instead.
    let result = dunder::atomic_with(&mut conn, dunder::TransactionMode::Deferred, |tx| {
        let _ = query!(Tag.filter(name = "orm").count()).run(&*tx)?;
        query!(Tag.create(name = "again")).run(&*tx)
    });
    other.join().expect("other writer");
    let err = result.expect_err("a deferred reader cannot upgrade while another writes");
    assert!(matches!(err, dunder::Error::Busy { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(err.to_string().contains("locked"), "{err}");
    // Nothing of it was written; the other writer's row is there.
    let names: Vec<String> = query!(Tag.order_by(name))
        .fetch_all(&conn)
        .expect("read")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["orm"]);
    // Through `Db` too: the default is IMMEDIATE.
    let mut db = dunder::Db::connect(&format!("sqlite:{}", path.display())).expect("db");
    let other = other_writer(&path, "db", Duration::from_millis(200));
    let (t, created) = dunder::atomic(&mut db, |tx| {
        query!(Tag.get_or_create(name = "db")).run(&mut *tx)
    })
    .expect("waits");
    other.join().expect("other writer");
    assert!(!created);
    assert_eq!(t.name, "db");
}
