//! `get_or_create` and `update_or_create`: Django's meaning (lookups plus
//! defaults, `(row, created)`), and race safety: a row created by another
//! connection between the `get` and the `INSERT` is found, not duplicated,
//! and a surrounding PostgreSQL transaction stays usable.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use chrono::{DateTime, Utc};
use dunder::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Topic {
    pub id: i64,
    pub name: String,
    #[dunder(default = 0)]
    pub uses: i32,
    pub color: Option<String>,
    #[dunder(auto_now)]
    pub touched: DateTime<Utc>,
}

const UNIQUE_NAME: &str = "CREATE UNIQUE INDEX topic_name ON topic (name)";

fn count<C>(c: &mut C) -> i64
where
    for<'a> &'a mut C: dunder::Executor,
{
    query!(Topic.count()).run(c).expect("count")
}

/// Django's semantics, on any connection.
fn semantics<C>(c: &mut C)
where
    for<'a> &'a mut C: dunder::Executor,
{
    dunder::create_table::<Topic, _>(&mut *c).expect("table");
    dunder::Executor::execute_batch(&mut *c, UNIQUE_NAME).expect("index");

    // Created from the lookups and the defaults.
    let (rust, created) = query!(Topic.get_or_create(name = "rust", defaults(uses = 1)))
        .run(&mut *c)
        .expect("create rust");
    assert!(created);
    assert_eq!(
        (rust.name.as_str(), rust.uses, rust.color.as_deref()),
        ("rust", 1, None)
    );

    // Found: the defaults are not applied.
    let (again, created) = query!(Topic.get_or_create(name = "rust", defaults(uses = 99)))
        .run(&mut *c)
        .expect("get rust");
    assert!(!created);
    assert_eq!(again, rust);

    // A `__` lookup narrows the get only; the defaults give the stored name.
    let shout = "RUST";
    let (found, created) =
        query!(Topic.get_or_create(name__iexact = shout, defaults(name = shout)))
            .run(&mut *c)
            .expect("iexact");
    assert!(!created);
    assert_eq!(found.id, rust.id);
    let (go, created) = query!(Topic.get_or_create(name__iexact = "GO", defaults(name = "Go")))
        .run(&mut *c)
        .expect("create Go");
    assert!(created);
    assert_eq!(
        (go.name.as_str(), go.uses),
        ("Go", 0),
        "field default applied"
    );

    // update_or_create: a found row gets the defaults and auto_now.
    std::thread::sleep(Duration::from_millis(5));
    let (updated, created) =
        query!(Topic.update_or_create(name = "rust", defaults(uses = 7, color = Some("orange"))))
            .run(&mut *c)
            .expect("update rust");
    assert!(!created);
    assert_eq!(updated.id, rust.id);
    assert_eq!(
        (updated.uses, updated.color.as_deref()),
        (7, Some("orange"))
    );
    assert!(updated.touched > rust.touched, "auto_now is set on update");
    assert_eq!(
        query!(Topic.get(id = rust.id))
            .run(&mut *c)
            .expect("reread"),
        updated
    );

    // Without defaults, a found row still gets its auto_now fields (as
    // Django's save does).
    std::thread::sleep(Duration::from_millis(5));
    let (touched, created) = query!(Topic.update_or_create(name = "rust"))
        .run(&mut *c)
        .expect("touch rust");
    assert!(!created);
    assert_eq!(
        (touched.uses, touched.color.as_deref()),
        (7, Some("orange"))
    );
    assert!(touched.touched > updated.touched);

    // update_or_create that creates.
    let (zig, created) = query!(Topic.update_or_create(name = "zig", defaults(uses = 2)))
        .run(&mut *c)
        .expect("create zig");
    assert!(created);
    assert_eq!(zig.uses, 2);

    // create_defaults: F() in defaults counts up an existing row; a new row
    // starts from create_defaults.
    for (name, expected, expect_created) in
        [("zig", 3, false), ("zig", 4, false), ("odin", 1, true)]
    {
        let (t, created) = query!(Topic.update_or_create(
            name = name,
            defaults(uses = F(uses) + 1),
            create_defaults(uses = 1, color = Some("new"))
        ))
        .run(&mut *c)
        .expect("counter");
        assert_eq!((t.uses, created), (expected, expect_created), "{name}");
        assert_eq!(t.color.as_deref(), if created { Some("new") } else { None });
    }
    assert_eq!(count(c), 4);

    // More than one match: an error, and nothing is created or changed.
    let r = query!(Topic.get_or_create(color__isnull = true, defaults(name = "nil"))).run(&mut *c);
    assert!(
        matches!(r, Err(dunder::Error::MultipleRows { .. })),
        "{r:?}"
    );
    let r = query!(Topic.update_or_create(uses__gte = 0, defaults(name = "all", uses = 0)))
        .run(&mut *c);
    assert!(
        matches!(r, Err(dunder::Error::MultipleRows { .. })),
        "{r:?}"
    );
    assert_eq!(count(c), 4);
    assert_eq!(
        query!(Topic.filter(name = "all").count())
            .run(&mut *c)
            .expect("none renamed"),
        0
    );

    // The row cannot be found (the filter excludes it) nor created (its name
    // is taken): the database's unique violation, after the retry.
    let r = query!(Topic.filter(uses__gt = 100).get_or_create(name = "rust")).run(&mut *c);
    assert!(
        matches!(r, Err(dunder::Error::UniqueViolation { .. })),
        "{r:?}"
    );
    assert_eq!(count(c), 4);

    // Values are evaluated once: an owned String moves into the query.
    let owned = String::from("elm");
    let (elm, created) = query!(Topic.get_or_create(name = owned))
        .run(&mut *c)
        .expect("elm");
    assert!(created && elm.name == "elm");
}

#[test]
fn semantics_on_sqlite() {
    let mut conn = dunder_tests::sqlite();
    semantics(&mut conn);
}

#[test]
fn semantics_on_postgres() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    semantics(&mut *pg);
}

#[test]
fn semantics_on_the_cached_postgres_client_and_db() {
    let Some(pg) = dunder_tests::pg() else {
        return;
    };
    let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
    semantics(&mut cached);
    let mut db = dunder::Db::connect("sqlite::memory:").expect("db");
    semantics(&mut db);
}

/// The race Django guards against: another connection has inserted the
/// row, not yet committed, when ours looks for it. Our get sees nothing, our
/// insert waits for theirs, then finds the key taken: the row is fetched
/// again and returned as not created.
fn race<W, R>(writer: W, reader: R)
where
    W: FnOnce(&Barrier) -> i64 + Send + 'static,
    R: FnOnce() -> (Topic, bool) + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(2));
    let b = barrier.clone();
    let w = std::thread::spawn(move || writer(&b));
    barrier.wait(); // the writer's row is inserted, uncommitted
    let (row, created) = reader();
    let written = w.join().expect("writer");
    assert!(!created, "the other connection created it");
    assert_eq!(row.id, written);
    assert_eq!(row.uses, 5, "the committed row, not our defaults");
}

#[test]
fn race_on_postgres_in_a_transaction() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    dunder::create_table::<Topic, _>(&mut *pg).expect("table");
    pg.batch_execute(UNIQUE_NAME).expect("index");
    let mut theirs = dunder_tests::pg_connect(&pg);
    let mut ours = dunder_tests::pg_connect(&pg);
    race(
        move |barrier| {
            let mut tx = theirs.transaction().expect("begin");
            let (row, _) = query!(Topic.get_or_create(name = "race", defaults(uses = 5)))
                .run(&mut tx)
                .expect("their create");
            barrier.wait();
            std::thread::sleep(Duration::from_millis(300));
            tx.commit().expect("commit");
            row.id
        },
        move || {
            // Inside a transaction of ours: the conflict must not abort it.
            dunder::atomic(&mut ours, |tx| {
                let got =
                    query!(Topic.get_or_create(name = "race", defaults(uses = 1))).run(&mut *tx)?;
                let n = query!(Topic.count()).run(&mut *tx)?;
                assert_eq!(n, 1, "the transaction is still usable");
                Ok::<_, dunder::Error>(got)
            })
            .expect("our get_or_create")
        },
    );
    assert_eq!(count(&mut *pg), 1);
}

#[test]
fn race_on_sqlite_files() {
    let path = std::env::temp_dir().join(format!("dunder_race_{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let open = |p: &std::path::Path| {
        let c = rusqlite::Connection::open(p).expect("open");
        c.busy_timeout(Duration::from_secs(10)).expect("timeout");
        c
    };
    let setup = open(&path);
    dunder::create_table::<Topic, _>(&setup).expect("table");
    setup.execute_batch(UNIQUE_NAME).expect("index");
    let theirs = open(&path);
    let ours = open(&path);
    race(
        move |barrier| {
            theirs.execute_batch("BEGIN IMMEDIATE").expect("begin");
            let (row, _) = query!(Topic.get_or_create(name = "race", defaults(uses = 5)))
                .run(&theirs)
                .expect("their create");
            barrier.wait();
            std::thread::sleep(Duration::from_millis(300));
            theirs.execute_batch("COMMIT").expect("commit");
            row.id
        },
        move || {
            query!(Topic.get_or_create(name = "race", defaults(uses = 1)))
                .run(&ours)
                .expect("our get_or_create")
        },
    );
    assert_eq!(query!(Topic.count()).run(&setup).expect("count"), 1);
    drop(setup);
    let _ = std::fs::remove_file(&path);
}

/// Many connections asking for the same rows at once: each row is created
/// exactly once and every caller gets the same key.
#[test]
fn many_connections_on_postgres() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    dunder::create_table::<Topic, _>(&mut *pg).expect("table");
    pg.batch_execute(UNIQUE_NAME).expect("index");
    const THREADS: usize = 4;
    const NAMES: usize = 100;
    let barrier = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let mut client = dunder_tests::pg_connect(&pg);
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                (0..NAMES)
                    .map(|i| {
                        let name = format!("t{i}");
                        query!(Topic.get_or_create(name = &name))
                            .run(&mut client)
                            .map(|(t, created)| (t.id, created))
                            .expect("get_or_create")
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<Vec<(i64, bool)>> = workers
        .into_iter()
        .map(|w| w.join().expect("worker"))
        .collect();
    for i in 0..NAMES {
        let ids: Vec<i64> = results.iter().map(|r| r[i].0).collect();
        assert!(ids.iter().all(|id| *id == ids[0]), "t{i}: {ids:?}");
        let created = results.iter().filter(|r| r[i].1).count();
        assert_eq!(created, 1, "t{i} created once");
    }
    assert_eq!(count(&mut *pg), NAMES as i64);
}
