//! SQLite enforces foreign keys only when a connection turns them on, and
//! the default depends on how SQLite was built. dunder turns them on for
//! every connection it opens (`Db::connect`) and, on first use, for every
//! connection opened by the user, as it registers its functions; a user
//! who turns them off after that first use is not overridden (Django turns
//! them on when it connects, and its schema editor turns them off around a
//! table rebuild).
//!
//! Each connection here starts with `PRAGMA foreign_keys = OFF` (what a
//! SQLite built without `SQLITE_DEFAULT_FOREIGN_KEYS=1` does), and shows it
//! with a violating row the database accepts before dunder's first use.

use dunder::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Parent {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Child {
    pub id: i64,
    pub parent: ForeignKey<crate::Parent>,
}

fn foreign_keys(conn: &rusqlite::Connection) -> bool {
    conn.query_row("PRAGMA foreign_keys", [], |r| r.get::<_, i64>(0))
        .expect("PRAGMA foreign_keys")
        == 1
}

/// A connection whose foreign keys are off, with the tables made by hand
/// (not through dunder, so dunder has not used it yet), and proof that the
/// database accepts a dangling key.
fn off_connection(path: Option<&std::path::Path>) -> rusqlite::Connection {
    let conn = match path {
        Some(p) => rusqlite::Connection::open(p).expect("open"),
        None => rusqlite::Connection::open_in_memory().expect("open"),
    };
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .expect("turn off");
    assert!(!foreign_keys(&conn));
    let ddl = format!(
        "{}\n{}",
        dunder::create_table_sql::<Parent>(Dialect::Sqlite),
        dunder::create_table_sql::<Child>(Dialect::Sqlite)
    );
    conn.execute_batch(&ddl).expect("tables");
    conn.execute_batch("INSERT INTO child (parent_id) VALUES (999); DELETE FROM child")
        .expect("with foreign keys off, a dangling key is accepted");
    assert!(!foreign_keys(&conn), "nothing turned them on yet");
    conn
}

fn assert_refused(r: dunder::Result<Child>, what: &str) {
    match r {
        Err(dunder::Error::ForeignKeyViolation { .. }) => {}
        other => panic!("{what}: expected ForeignKeyViolation, got {other:?}"),
    }
}

/// One way dunder can first touch a connection.
type FirstUse = fn(&mut rusqlite::Connection);

#[test]
fn the_first_use_of_a_user_opened_connection_turns_foreign_keys_on() {
    // Each way dunder can first touch a connection.
    let first_uses: [(&str, FirstUse); 5] = [
        ("a query", |c| {
            query!(Parent.count()).run(&*c).expect("count");
        }),
        ("an update", |c| {
            query!(Parent.update(name = "x")).run(&*c).expect("update");
        }),
        ("a create", |c| {
            query!(Parent.create(name = "p")).run(&*c).expect("create");
        }),
        ("create_table", |c| {
            c.execute_batch("DROP TABLE child").expect("drop");
            dunder::create_table::<Child, _>(&*c).expect("create_table");
        }),
        ("atomic", |c| {
            dunder::atomic(c, |_| Ok::<_, dunder::Error>(())).expect("atomic");
        }),
    ];
    for (what, first_use) in first_uses {
        let mut conn = off_connection(None);
        first_use(&mut conn);
        assert!(foreign_keys(&conn), "{what} turned them on");
        assert_refused(query!(Child.create(parent = 999)).run(&conn), what);
        assert_eq!(query!(Child.count()).run(&conn).expect("count"), 0);
        // And the relation works as it should.
        let p = query!(Parent.create(name = "ok"))
            .run(&conn)
            .expect("parent");
        query!(Child.create(parent = p.id))
            .run(&conn)
            .expect("child");
    }
}

#[test]
fn a_first_use_inside_the_users_transaction_turns_them_on_there() {
    // `PRAGMA foreign_keys` does nothing inside a transaction; dunder uses
    // SQLITE_DBCONFIG_ENABLE_FKEY, which does.
    let mut conn = off_connection(None);
    let tx = conn.transaction().expect("begin");
    query!(Parent.count()).run(&tx).expect("first use");
    assert!(foreign_keys(&tx));
    // dunder's keys are DEFERRABLE INITIALLY DEFERRED: checked at COMMIT.
    query!(Child.create(parent = 999))
        .run(&tx)
        .expect("deferred until COMMIT");
    let err = tx.commit().expect_err("COMMIT refuses the dangling key");
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    assert_eq!(query!(Child.count()).run(&conn).expect("count"), 0);
}

#[test]
fn turning_them_off_after_the_first_use_is_respected() {
    let conn = off_connection(None);
    query!(Parent.count()).run(&conn).expect("first use");
    assert!(foreign_keys(&conn));
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .expect("the user turns them off");
    // A statement dunder has not prepared on this connection yet (so dunder
    // looks at the connection again) finds it set up and changes nothing.
    let orphan = query!(Child.create(parent = 999))
        .run(&conn)
        .expect("the user's choice holds");
    assert_eq!(orphan.parent.id(), 999);
    assert!(!foreign_keys(&conn));
    let mut conn = conn;
    dunder::atomic(&mut conn, |tx| {
        query!(Child.filter(parent = 999).delete()).run(&*tx)
    })
    .expect("atomic");
    assert!(!foreign_keys(&conn), "atomic does not override it either");
    dunder::create_table::<Parent, _>(&conn)
        .map(|_| ())
        .unwrap_or_else(|e| assert!(e.to_string().contains("already exists"), "{e}"));
    assert!(!foreign_keys(&conn), "nor execute_batch");
}

#[test]
fn a_new_connection_to_the_same_file_is_set_up_on_its_own() {
    let dir = std::env::temp_dir().join(format!(
        "dunder-fk-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("app.sqlite3");
    let first = off_connection(Some(&path));
    query!(Parent.count()).run(&first).expect("first use");
    assert!(foreign_keys(&first));
    // Same file, same SQL text, another connection: its own statement
    // cache, its own first use.
    let second = rusqlite::Connection::open(&path).expect("open");
    second
        .execute_batch("PRAGMA foreign_keys = OFF")
        .expect("off");
    query!(Parent.count()).run(&second).expect("first use");
    assert!(foreign_keys(&second));
    assert_refused(query!(Child.create(parent = 999)).run(&second), "second");
    drop((first, second));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn db_connect_turns_them_on_and_respects_a_later_off() {
    let mut db = dunder::Db::connect("sqlite::memory:").expect("db");
    dunder::create_table::<Parent, _>(&mut db).expect("parent");
    dunder::create_table::<Child, _>(&mut db).expect("child");
    let dunder::Db::Sqlite(conn) = &db else {
        panic!("an SQLite Db")
    };
    assert!(foreign_keys(conn));
    assert_refused(query!(Child.create(parent = 999)).run(&mut db), "Db");
    let p = query!(Parent.create(name = "p"))
        .run(&mut db)
        .expect("parent");
    query!(Child.create(parent = p.id))
        .run(&mut db)
        .expect("child");
    let dunder::Db::Sqlite(conn) = &db else {
        panic!("an SQLite Db")
    };
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .expect("off");
    // A statement not run on this connection before: dunder looks again.
    let n = query!(Child.update(parent = 998))
        .run(&mut db)
        .expect("the user's choice holds");
    assert_eq!(n, 1);
}
