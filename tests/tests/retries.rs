//! Serialization failures, deadlocks and SQLite's busy/stale-snapshot
//! errors are typed (`Error::SerializationFailure`, `Deadlock`, `Busy`,
//! `is_retryable`), and `atomic_with_retry` runs the whole transaction again
//! on them, so the invariants the transactions keep still hold.
//!
//! Every conflict here is forced, not hoped for: the transactions meet at a
//! barrier (or the other connection writes from inside the first attempt),
//! so the first attempt always collides, and each scenario is also run
//! without retries to show the typed error that the retry absorbed.

use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::Barrier;

use dunder::prelude::*;

/// Two doctors on call; one may go off duty only while another stays on
/// call (the classic write skew).
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Doctor {
    pub id: i64,
    pub name: String,
    pub on_call: bool,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Counter {
    pub id: i64,
    pub name: String,
    pub uses: i32,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Account {
    pub id: i64,
    pub balance: i64,
}

fn db_url(pg: &dunder_tests::PgDb) -> String {
    let mut url = dunder_tests::postgres_url();
    if let Some(i) = url.rfind('/') {
        url.truncate(i + 1);
    }
    url.push_str(pg.dbname());
    url
}

/// The three PostgreSQL connection kinds, two connections each.
enum Pair {
    Plain(postgres::Client, postgres::Client),
    Cached(dunder::postgres::Client, dunder::postgres::Client),
    Db(dunder::Db, dunder::Db),
}

fn pairs(pg: &dunder_tests::PgDb) -> Vec<(&'static str, Pair)> {
    let url = db_url(pg);
    let db = || dunder::Db::connect(&url).expect("Db::connect");
    let cached = || dunder::postgres::Client::new(dunder_tests::pg_connect(pg));
    vec![
        (
            "postgres::Client",
            Pair::Plain(dunder_tests::pg_connect(pg), dunder_tests::pg_connect(pg)),
        ),
        ("dunder::postgres::Client", Pair::Cached(cached(), cached())),
        ("dunder::Db", Pair::Db(db(), db())),
    ]
}

fn plain(c: &mut dunder::Db) -> &mut dunder::postgres::Connection {
    match c {
        dunder::Db::Postgres(c) => c,
        _ => panic!("a PostgreSQL Db"),
    }
}

/// Runs `$body` once per pair with `$a`, `$b` bound to the two connections
/// and `$set` to a `FnMut(&str)` that runs SQL on both.
macro_rules! each_pair {
    ($pg:expr, |$name:ident, $a:ident, $b:ident| $body:block) => {
        for ($name, pair) in pairs(&$pg) {
            match pair {
                Pair::Plain(mut $a, mut $b) => {
                    let ($a, $b) = (&mut $a, &mut $b);
                    $body
                }
                Pair::Cached(mut $a, mut $b) => {
                    let ($a, $b) = (&mut $a, &mut $b);
                    $body
                }
                Pair::Db(mut $a, mut $b) => {
                    let ($a, $b) = (&mut $a, &mut $b);
                    $body
                }
            }
        }
    };
}

/// SQL on a connection of any kind (setup only).
trait Raw {
    fn raw(&mut self, sql: &str);
}
impl Raw for postgres::Client {
    fn raw(&mut self, sql: &str) {
        self.batch_execute(sql).expect(sql);
    }
}
impl Raw for dunder::postgres::Client {
    fn raw(&mut self, sql: &str) {
        self.batch_execute(sql).expect(sql);
    }
}
impl Raw for dunder::Db {
    fn raw(&mut self, sql: &str) {
        plain(self).batch_execute(sql).expect(sql);
    }
}

/// `atomic` (`[]`) or `atomic_with_retry` (`[attempts]`) with the closure
/// written in place (a closure stored in a variable first would be typed for
/// one transaction lifetime, not every attempt's).
macro_rules! run_tx {
    ($conn:expr, [], |$tx:ident| $body:block) => {
        dunder::atomic($conn, |$tx| $body)
    };
    ($conn:expr, [$retries:expr], |$tx:ident| $body:block) => {
        dunder::atomic_with_retry($conn, $retries, |$tx| $body)
    };
}

/// One doctor's transaction: count who is on call, meet the other at the
/// barrier (first attempt only: a retry runs alone), and go off duty if
/// someone else is still on call.
macro_rules! go_off_duty {
    ($conn:expr, $me:expr, $barrier:expr, $attempts:expr, [$($retries:expr)?]) => {{
        let mut first = true;
        run_tx!($conn, [$($retries)?], |tx| {
            $attempts.fetch_add(1, SeqCst);
            let on_call: i64 = query!(Doctor.filter(on_call = true).count()).run(&mut *tx)?;
            if std::mem::take(&mut first) {
                $barrier.wait();
            }
            if on_call >= 2 {
                query!(Doctor.filter(id = $me).update(on_call = false)).run(&mut *tx)?;
            }
            Ok::<(), dunder::Error>(())
        })
    }};
}

#[test]
fn postgres_serializable_write_skew_fails_typed_and_is_retried() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    dunder::create_table::<Doctor, _>(&mut *pg).expect("table");
    let reset = "DELETE FROM doctor; INSERT INTO doctor (id, name, on_call) VALUES (1, 'alice', true), (2, 'bob', true)";
    let on_call = |pg: &mut postgres::Client| -> i64 {
        pg.query_one("SELECT count(*) FROM doctor WHERE on_call", &[])
            .expect("count")
            .get(0)
    };

    each_pair!(pg, |name, a, b| {
        // Control: under READ COMMITTED the barrier makes the anomaly happen
        // (both go off duty), so the scenario really runs concurrently.
        a.raw("SET default_transaction_isolation = 'read committed'");
        b.raw("SET default_transaction_isolation = 'read committed'");
        pg.batch_execute(reset).expect("reset");
        let barrier = Barrier::new(2);
        let attempts = AtomicU32::new(0);
        let (ra, rb) = std::thread::scope(|s| {
            let ta = s.spawn(|| go_off_duty!(&mut *a, 1, barrier, attempts, []));
            let tb = s.spawn(|| go_off_duty!(&mut *b, 2, barrier, attempts, []));
            (ta.join().expect("a"), tb.join().expect("b"))
        });
        ra.expect("a");
        rb.expect("b");
        assert_eq!(
            on_call(&mut pg),
            0,
            "{name}: READ COMMITTED lets the skew through"
        );

        // SERIALIZABLE without retries: one of the two is refused, typed.
        a.raw("SET default_transaction_isolation = 'serializable'");
        b.raw("SET default_transaction_isolation = 'serializable'");
        pg.batch_execute(reset).expect("reset");
        let (ra, rb) = std::thread::scope(|s| {
            let ta = s.spawn(|| go_off_duty!(&mut *a, 1, barrier, attempts, []));
            let tb = s.spawn(|| go_off_duty!(&mut *b, 2, barrier, attempts, []));
            (ta.join().expect("a"), tb.join().expect("b"))
        });
        let errors: Vec<dunder::Error> = [ra, rb].into_iter().filter_map(Result::err).collect();
        assert_eq!(
            errors.len(),
            1,
            "{name}: exactly one is refused: {errors:?}"
        );
        let e = &errors[0];
        assert!(
            matches!(e, dunder::Error::SerializationFailure { .. }),
            "{name}: {e:?}"
        );
        assert!(e.is_retryable());
        assert!(e.to_string().contains("40001"), "{name}: {e}");
        assert!(e.sql().is_some());
        assert_eq!(on_call(&mut pg), 1, "{name}: the invariant holds");

        // SERIALIZABLE with retries: both calls succeed, the refused one
        // ran again (and then saw it must stay), the invariant holds.
        pg.batch_execute(reset).expect("reset");
        attempts.store(0, SeqCst);
        let (ra, rb) = std::thread::scope(|s| {
            let ta = s.spawn(|| go_off_duty!(&mut *a, 1, barrier, attempts, [10]));
            let tb = s.spawn(|| go_off_duty!(&mut *b, 2, barrier, attempts, [10]));
            (ta.join().expect("a"), tb.join().expect("b"))
        });
        ra.unwrap_or_else(|e| panic!("{name}: a: {e}"));
        rb.unwrap_or_else(|e| panic!("{name}: b: {e}"));
        assert!(
            attempts.load(SeqCst) >= 3,
            "{name}: one transaction ran again"
        );
        assert_eq!(
            on_call(&mut pg),
            1,
            "{name}: exactly one doctor stays on call"
        );
    });
}

/// update_or_create under SERIALIZABLE: the second of two concurrent
/// counters meets the first one's committed update (40001), typed; with
/// retries both increments land.
#[test]
fn postgres_update_or_create_counter_is_retried() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    dunder::create_table::<Counter, _>(&mut *pg).expect("table");
    let uses = |pg: &mut postgres::Client| -> i32 {
        pg.query_one("SELECT uses FROM counter WHERE name = 'hits'", &[])
            .expect("uses")
            .get(0)
    };
    macro_rules! count_hit {
        ($conn:expr, $barrier:expr, [$($retries:expr)?]) => {{
            let mut first = true;
            run_tx!($conn, [$($retries)?], |tx| {
                // The snapshot is taken here, before the other commits.
                let _: i64 = query!(Counter.count()).run(&mut *tx)?;
                if std::mem::take(&mut first) {
                    $barrier.wait();
                }
                let (_, created) = query!(Counter.update_or_create(
                    name = "hits",
                    defaults(uses = F(uses) + 1),
                    create_defaults(uses = 1)
                ))
                .run(&mut *tx)?;
                Ok::<bool, dunder::Error>(created)
            })
        }};
    }
    each_pair!(pg, |name, a, b| {
        a.raw("SET default_transaction_isolation = 'serializable'");
        b.raw("SET default_transaction_isolation = 'serializable'");
        pg.batch_execute(
            "DELETE FROM counter; INSERT INTO counter (name, uses) VALUES ('hits', 0)",
        )
        .expect("reset");
        let barrier = Barrier::new(2);
        let (ra, rb) = std::thread::scope(|s| {
            let ta = s.spawn(|| count_hit!(&mut *a, barrier, []));
            let tb = s.spawn(|| count_hit!(&mut *b, barrier, []));
            (ta.join().expect("a"), tb.join().expect("b"))
        });
        let errors: Vec<dunder::Error> = [ra, rb].into_iter().filter_map(Result::err).collect();
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        assert!(
            matches!(&errors[0], dunder::Error::SerializationFailure { sql, .. } if sql.starts_with("UPDATE")),
            "{name}: {:?}",
            errors[0]
        );
        assert_eq!(uses(&mut pg), 1, "{name}: one increment, the other refused");

        let (ra, rb) = std::thread::scope(|s| {
            let ta = s.spawn(|| count_hit!(&mut *a, barrier, [5]));
            let tb = s.spawn(|| count_hit!(&mut *b, barrier, [5]));
            (ta.join().expect("a"), tb.join().expect("b"))
        });
        assert!(!ra.expect("a"), "{name}: found, not created");
        assert!(!rb.expect("b"), "{name}: found, not created");
        assert_eq!(uses(&mut pg), 3, "{name}: both increments landed");
    });
}

/// Two transfers that lock two rows in opposite orders: PostgreSQL breaks
/// the deadlock by rolling one back (40P01), typed; with retries both land.
#[test]
fn postgres_deadlock_is_typed_and_retried() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    dunder::create_table::<Account, _>(&mut *pg).expect("table");
    let balances = |pg: &mut postgres::Client| -> Vec<i64> {
        pg.query("SELECT balance FROM account ORDER BY id", &[])
            .expect("balances")
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    macro_rules! both_rows {
        ($conn:expr, $first:expr, $second:expr, $barrier:expr, [$($retries:expr)?]) => {{
            let mut first = true;
            run_tx!($conn, [$($retries)?], |tx| {
                query!(Account.filter(id = $first).update(balance = F(balance) + 1)).run(&mut *tx)?;
                if std::mem::take(&mut first) {
                    $barrier.wait();
                }
                query!(Account.filter(id = $second).update(balance = F(balance) + 1)).run(&mut *tx)?;
                Ok::<(), dunder::Error>(())
            })
        }};
    }
    each_pair!(pg, |name, a, b| {
        pg.batch_execute(
            "DELETE FROM account; INSERT INTO account (id, balance) VALUES (1, 0), (2, 0)",
        )
        .expect("reset");
        let barrier = Barrier::new(2);
        let (ra, rb) = std::thread::scope(|s| {
            let ta = s.spawn(|| both_rows!(&mut *a, 1, 2, barrier, []));
            let tb = s.spawn(|| both_rows!(&mut *b, 2, 1, barrier, []));
            (ta.join().expect("a"), tb.join().expect("b"))
        });
        let errors: Vec<dunder::Error> = [ra, rb].into_iter().filter_map(Result::err).collect();
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        assert!(
            matches!(errors[0], dunder::Error::Deadlock { .. }),
            "{name}: {:?}",
            errors[0]
        );
        assert!(errors[0].is_retryable());
        assert!(errors[0].to_string().contains("40P01"), "{}", errors[0]);
        assert_eq!(
            balances(&mut pg),
            [1, 1],
            "{name}: only the survivor's transfer"
        );

        let (ra, rb) = std::thread::scope(|s| {
            let ta = s.spawn(|| both_rows!(&mut *a, 1, 2, barrier, [5]));
            let tb = s.spawn(|| both_rows!(&mut *b, 2, 1, barrier, [5]));
            (ta.join().expect("a"), tb.join().expect("b"))
        });
        ra.unwrap_or_else(|e| panic!("{name}: a: {e}"));
        rb.unwrap_or_else(|e| panic!("{name}: b: {e}"));
        assert_eq!(balances(&mut pg), [3, 3], "{name}: both transfers landed");
    });
}

fn sqlite_file(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "dunder-retries-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    dir.join("app.sqlite3")
}

/// SQLite in WAL mode: a DEFERRED transaction reads, another connection
/// commits an increment, then the first writes what it read plus one (a
/// lost update, if allowed). SQLite refuses the write
/// (SQLITE_BUSY_SNAPSHOT): `SerializationFailure`; with retries the second
/// attempt reads the new value and both increments land. On a
/// `rusqlite::Connection` and on `Db`.
#[test]
fn sqlite_stale_snapshot_is_a_serialization_failure_and_is_retried() {
    let path = sqlite_file("wal");
    let setup = rusqlite::Connection::open(&path).expect("open");
    setup
        .pragma_update(None, "journal_mode", "wal")
        .expect("WAL");
    dunder::create_table::<Counter, _>(&setup).expect("table");
    query!(Counter.create(name = "hits", uses = 0))
        .run(&setup)
        .expect("row");
    let other = rusqlite::Connection::open(&path).expect("other");
    let uses = || query!(Counter.get(id = 1)).run(&other).expect("get").uses;

    macro_rules! lost_update {
        ($conn:expr, $retry:expr) => {{
            let mut attempts = 0;
            let r = dunder::atomic_with_retry($conn, $retry, |tx| {
                attempts += 1;
                let seen = query!(Counter.get(id = 1)).run(&mut *tx)?.uses;
                if attempts == 1 {
                    // Another connection commits while this one has read.
                    query!(Counter.filter(id = 1).update(uses = F(uses) + 10)).run(&other)?;
                }
                query!(Counter.filter(id = 1).update(uses = seen + 1)).run(&mut *tx)?;
                Ok::<_, dunder::Error>(())
            });
            (r, attempts)
        }};
    }
    let mode = dunder::TransactionMode::Deferred;
    let mut conn = rusqlite::Connection::open(&path).expect("open");
    let (r, attempts) = lost_update!(&mut conn, dunder::Retry::attempts(1).mode(mode));
    let e = r.expect_err("the stale write is refused");
    assert!(
        matches!(e, dunder::Error::SerializationFailure { .. }),
        "{e:?}"
    );
    assert!(e.is_retryable());
    assert_eq!((attempts, uses()), (1, 10), "nothing of it was written");

    let (r, attempts) = lost_update!(&mut conn, dunder::Retry::attempts(3).mode(mode));
    r.expect("the second attempt reads the new value");
    assert_eq!((attempts, uses()), (2, 21), "no update lost");

    let mut db = dunder::Db::connect(&format!("sqlite:{}", path.display())).expect("db");
    let (r, attempts) = lost_update!(&mut db, dunder::Retry::attempts(3).mode(mode));
    r.expect("Db retries too");
    assert_eq!((attempts, uses()), (2, 32));
}

/// SQLite, rollback journal: a DEFERRED transaction that has read cannot
/// wait for another connection's write lock (SQLite answers at once, since
/// waiting could deadlock): `Error::Busy`, retryable; the retry runs after
/// the other writer committed.
#[test]
fn sqlite_busy_is_typed_and_retried() {
    let path = sqlite_file("busy");
    let setup = rusqlite::Connection::open(&path).expect("open");
    dunder::create_table::<Counter, _>(&setup).expect("table");
    query!(Counter.create(name = "hits", uses = 0))
        .run(&setup)
        .expect("row");
    let other = rusqlite::Connection::open(&path).expect("other");
    let mode = dunder::TransactionMode::Deferred;
    let mut conn = rusqlite::Connection::open(&path).expect("open");

    for retries in [1, 3] {
        // The other connection holds the write lock, uncommitted.
        other
            .execute_batch("BEGIN IMMEDIATE; UPDATE counter SET uses = uses + 10")
            .expect("lock");
        let mut attempts = 0;
        let r = dunder::atomic_with_retry(
            &mut conn,
            dunder::Retry::attempts(retries).mode(mode),
            |tx| {
                attempts += 1;
                if attempts == 2 {
                    // The retry: the other writer is done by now.
                    other.execute_batch("COMMIT").expect("commit");
                }
                let seen = query!(Counter.get(id = 1)).run(&*tx)?.uses;
                query!(Counter.filter(id = 1).update(uses = seen + 1)).run(&*tx)?;
                Ok::<_, dunder::Error>(())
            },
        );
        if retries == 1 {
            let e = r.expect_err("busy");
            assert!(matches!(e, dunder::Error::Busy { .. }), "{e:?}");
            assert!(e.is_retryable());
            assert!(e.to_string().contains("database is locked"), "{e}");
            other.execute_batch("ROLLBACK").expect("rollback");
            assert_eq!(attempts, 1);
        } else {
            r.expect("the retry runs after the other writer");
            assert_eq!(attempts, 2);
        }
    }
    let uses = query!(Counter.get(id = 1)).run(&conn).expect("get").uses;
    assert_eq!(uses, 11, "the other's +10 and this +1, nothing lost");
}

#[test]
fn retries_are_bounded_and_only_for_retryable_errors() {
    #[derive(Debug)]
    enum AppError {
        Db(dunder::Error),
        Rejected,
    }
    impl From<dunder::Error> for AppError {
        fn from(e: dunder::Error) -> Self {
            AppError::Db(e)
        }
    }
    impl dunder::Retryable for AppError {
        fn is_retryable(&self) -> bool {
            matches!(self, AppError::Db(e) if e.is_retryable())
        }
    }
    let fail = || dunder::Error::SerializationFailure {
        sql: "UPDATE".into(),
        source: "simulated".into(),
    };
    let mut conn = dunder_tests::sqlite();
    dunder::create_table::<Counter, _>(&conn).expect("table");
    let fast = |n| {
        dunder::Retry::attempts(n).backoff(
            std::time::Duration::from_micros(10),
            std::time::Duration::from_millis(1),
        )
    };

    // Always retryable: exactly `attempts` runs, each rolled back, the last
    // error returned.
    let mut runs = 0;
    let r: Result<(), dunder::Error> = dunder::atomic_with_retry(&mut conn, fast(4), |tx| {
        runs += 1;
        query!(Counter.create(name = "x", uses = 1)).run(&*tx)?;
        Err(fail())
    });
    assert!(matches!(r, Err(dunder::Error::SerializationFailure { .. })));
    assert_eq!(runs, 4);
    assert_eq!(query!(Counter.count()).run(&conn).expect("count"), 0);
    // 0 attempts counts as one.
    runs = 0;
    let _ = dunder::atomic_with_retry(&mut conn, 0, |_| -> Result<(), _> {
        runs += 1;
        Err(fail())
    });
    assert_eq!(runs, 1);

    // Not retryable: one run.
    runs = 0;
    let r: Result<(), AppError> = dunder::atomic_with_retry(&mut conn, fast(4), |_| {
        runs += 1;
        Err(AppError::Rejected)
    });
    assert!(matches!(r, Err(AppError::Rejected)));
    assert_eq!(runs, 1);
    // A dunder error that is not retryable (NotFound), through the user's type.
    runs = 0;
    let r: Result<Counter, AppError> = dunder::atomic_with_retry(&mut conn, fast(4), |tx| {
        runs += 1;
        Ok(query!(Counter.get(id = 1)).run(&*tx)?)
    });
    assert!(matches!(
        r,
        Err(AppError::Db(dunder::Error::NotFound { .. }))
    ));
    assert_eq!(runs, 1);
    // Retryable through the user's type, then success.
    runs = 0;
    let r: Result<i32, AppError> = dunder::atomic_with_retry(&mut conn, fast(4), |tx| {
        runs += 1;
        if runs < 3 {
            return Err(fail().into());
        }
        Ok(query!(Counter.create(name = "y", uses = 7)).run(&*tx)?.uses)
    });
    assert_eq!(r.expect("third run"), 7);
    assert_eq!(runs, 3);
    // Boxed errors: the dunder error in the chain decides.
    runs = 0;
    let r: Result<(), Box<dyn std::error::Error + Send + Sync>> =
        dunder::atomic_with_retry(&mut conn, fast(3), |_| {
            runs += 1;
            Err(fail().into())
        });
    assert!(r.is_err());
    assert_eq!(runs, 3);
    runs = 0;
    let r: Result<(), Box<dyn std::error::Error>> =
        dunder::atomic_with_retry(&mut conn, fast(3), |_| {
            runs += 1;
            Err("not a database error".into())
        });
    assert!(r.is_err());
    assert_eq!(runs, 1);
    // CommitUnknown is never retried.
    runs = 0;
    let r: Result<(), dunder::Error> = dunder::atomic_with_retry(&mut conn, fast(3), |_| {
        runs += 1;
        Err(dunder::Error::CommitUnknown {
            sql: "COMMIT".into(),
            source: "simulated".into(),
        })
    });
    assert!(matches!(r, Err(dunder::Error::CommitUnknown { .. })));
    assert_eq!(runs, 1);
}
