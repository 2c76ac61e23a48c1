//! `dunder::atomic`: commit on Ok, roll back on Err and on panic, savepoints
//! when nested; on SQLite, PostgreSQL and the cached PostgreSQL client.

use std::panic::{catch_unwind, AssertUnwindSafe};

use dunder::prelude::*;
use dunder_test_models::kinds::EveryKind;
use dunder_tests::every_kind;

fn count_sqlite(c: &rusqlite::Connection) -> i64 {
    query!(EveryKind.count()).run(c).expect("count")
}

#[test]
fn sqlite_commit_rollback_panic_and_savepoints() {
    let mut conn = dunder_tests::sqlite();
    every_kind::load_sqlite(&conn, &every_kind::seed());

    let r: Result<u64, dunder::Error> = dunder::atomic(&mut conn, |tx| {
        query!(EveryKind.filter(id = 1).delete()).run(&*tx)
    });
    assert_eq!(r.expect("commit"), 1);
    assert_eq!(count_sqlite(&conn), 7);

    let r: Result<(), dunder::Error> = dunder::atomic(&mut conn, |tx| {
        query!(EveryKind.delete()).run(&*tx)?;
        query!(EveryKind.get(id = 1)).run(&*tx).map(|_| ())
    });
    assert!(matches!(r, Err(dunder::Error::NotFound { .. })));
    assert_eq!(count_sqlite(&conn), 7, "Err rolls back");

    let panicked = catch_unwind(AssertUnwindSafe(|| {
        let _: Result<(), dunder::Error> = dunder::atomic(&mut conn, |tx| {
            query!(EveryKind.delete()).run(&*tx)?;
            panic!("boom");
        });
    }));
    assert!(panicked.is_err());
    assert_eq!(count_sqlite(&conn), 7, "a panic rolls back");

    let r: Result<(), dunder::Error> = dunder::atomic(&mut conn, |tx| {
        query!(EveryKind.filter(id = 2).delete()).run(&*tx)?;
        let inner: Result<(), dunder::Error> = dunder::atomic(tx, |sp| {
            query!(EveryKind.delete()).run(&*sp)?;
            Err(dunder::Error::Migration {
                message: "undo".into(),
            })
        });
        assert!(inner.is_err());
        let inner_ok: Result<u64, dunder::Error> =
            dunder::atomic(tx, |sp| query!(EveryKind.filter(id = 3).delete()).run(&*sp));
        assert_eq!(inner_ok.expect("savepoint commit"), 1);
        Ok(())
    });
    r.expect("outer commit");
    assert_eq!(
        count_sqlite(&conn),
        5,
        "the failed savepoint rolled back alone"
    );
}

#[test]
fn postgres_commit_rollback_panic_and_savepoints() {
    let Some(mut db) = dunder_tests::pg() else {
        return;
    };
    every_kind::load_pg(&mut db, &every_kind::seed());
    let client: &mut postgres::Client = &mut db;
    let count = |c: &mut postgres::Client| query!(EveryKind.count()).run(c).expect("count");

    let r: Result<u64, dunder::Error> = dunder::atomic(client, |tx| {
        query!(EveryKind.filter(id = 1).delete()).run(tx)
    });
    assert_eq!(r.expect("commit"), 1);
    assert_eq!(count(client), 7);

    let r: Result<(), dunder::Error> = dunder::atomic(client, |tx| {
        query!(EveryKind.delete()).run(&mut *tx)?;
        query!(EveryKind.get(id = 1)).run(tx).map(|_| ())
    });
    assert!(r.is_err());
    assert_eq!(count(client), 7);

    let panicked = catch_unwind(AssertUnwindSafe(|| {
        let _: Result<(), dunder::Error> = dunder::atomic(&mut *client, |tx| {
            query!(EveryKind.delete()).run(tx)?;
            panic!("boom");
        });
    }));
    assert!(panicked.is_err());
    assert_eq!(count(client), 7);

    // A failed statement inside a savepoint rolls back to it; the outer
    // transaction goes on.
    let r: Result<(), dunder::Error> = dunder::atomic(client, |tx| {
        query!(EveryKind.filter(id = 2).delete()).run(&mut *tx)?;
        let dup: Result<u64, dunder::Error> = dunder::atomic(tx, |sp| {
            query!(EveryKind.filter(id = 3).update(id = 4)).run(sp)
        });
        assert!(matches!(dup, Err(dunder::Error::UniqueViolation { .. })));
        Ok(())
    });
    r.expect("outer commit");
    assert_eq!(count(client), 6);

    // The cached client and its savepoints.
    let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&db));
    let r: Result<(), dunder::Error> = dunder::atomic(&mut cached, |tx| {
        query!(EveryKind.filter(id = 5).delete()).run(&mut *tx)?;
        let _ = dunder::atomic(tx, |sp| -> dunder::Result<()> {
            query!(EveryKind.delete()).run(&mut *sp)?;
            Err(dunder::Error::Migration {
                message: "undo".into(),
            })
        });
        Ok(())
    });
    r.expect("cached commit");
    assert_eq!(
        query!(EveryKind.count()).run(&mut cached).expect("count"),
        5
    );
}

#[test]
fn db_transactions_and_savepoints_on_both_backends() {
    let mut dbs = vec![dunder::Db::connect("sqlite::memory:").expect("sqlite")];
    let pg = dunder_tests::pg();
    if let Some(p) = &pg {
        let mut url = dunder_tests::postgres_url();
        if let Some(i) = url.rfind('/') {
            url.truncate(i + 1);
        }
        url.push_str(p.dbname());
        dbs.push(dunder::Db::connect(&url).expect("postgres"));
    }
    for db in &mut dbs {
        dunder::create_table::<EveryKind, _>(&mut *db).expect("table");
        match db {
            dunder::Db::Sqlite(c) => {
                c.execute_batch("DELETE FROM every_kind").expect("clear");
            }
            dunder::Db::Postgres(c) => {
                c.batch_execute("DELETE FROM every_kind").expect("clear");
            }
            _ => {}
        }
        for r in every_kind::seed() {
            query!(EveryKind.create(
                flag = r.flag,
                small = r.small,
                int = r.int,
                big = r.big,
                real = r.real,
                double = r.double,
                text = &r.text,
                bytes = &r.bytes,
                date = r.date,
                datetime = r.datetime,
                datetime_utc = r.datetime_utc,
                time = r.time,
            ))
            .run(&mut *db)
            .expect("create");
        }
        let r: Result<(), dunder::Error> = dunder::atomic(db, |tx| {
            query!(EveryKind.filter(id = 1).delete()).run(&mut *tx)?;
            let inner: Result<(), dunder::Error> = dunder::atomic(tx, |sp| {
                query!(EveryKind.delete()).run(&mut *sp)?;
                let deeper: Result<u64, dunder::Error> = dunder::atomic(sp, |sp2| {
                    query!(EveryKind.count()).run(sp2).map(|n| n as u64)
                });
                assert_eq!(deeper.expect("nested savepoint"), 0);
                Err(dunder::Error::Migration {
                    message: "undo".into(),
                })
            });
            assert!(inner.is_err());
            Ok(())
        });
        r.expect("commit");
        assert_eq!(
            query!(EveryKind.count()).run(&mut *db).expect("count"),
            7,
            "{db:?}"
        );
    }
}

/// A statement the database refuses (here a duplicate primary key) inside
/// `atomic` fails the closure, and everything before it in the transaction
/// is rolled back, on every backend and through `Db`.
#[test]
fn a_failed_statement_rolls_back_everything() {
    // A macro, not a generic fn: each connection has its own transaction type.
    macro_rules! scenario {
        ($conn:expr) => {{
            let conn = $conn;
            let before = query!(EveryKind.order_by(id))
                .fetch_all(&mut *conn)
                .expect("read");
            let r: Result<(), dunder::Error> = dunder::atomic(&mut *conn, |tx| {
                query!(EveryKind.filter(id = 1).delete()).run(&mut *tx)?;
                query!(EveryKind.update(text = "changed")).run(&mut *tx)?;
                query!(EveryKind.filter(id = 3).update(id = 4)).run(&mut *tx)?;
                Ok(())
            });
            assert!(
                matches!(r, Err(dunder::Error::UniqueViolation { .. })),
                "{r:?}"
            );
            let after = query!(EveryKind.order_by(id))
                .fetch_all(&mut *conn)
                .expect("read");
            assert_eq!(after, before, "nothing of the transaction is left");
        }};
    }
    let rows = every_kind::seed();
    let mut conn = dunder_tests::sqlite();
    every_kind::load_sqlite(&conn, &rows);
    scenario!(&mut conn);
    let mut db = dunder::Db::connect("sqlite::memory:").expect("db");
    if let dunder::Db::Sqlite(c) = &db {
        every_kind::load_sqlite(c, &rows);
    }
    scenario!(&mut db);
    if let Some(mut pg) = dunder_tests::pg() {
        every_kind::load_pg(&mut pg, &rows);
        scenario!(&mut *pg);
        let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
        scenario!(&mut cached);
    }
}
