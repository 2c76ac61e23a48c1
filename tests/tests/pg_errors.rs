//! PostgreSQL errors say what the server said (message, SQLSTATE, detail,
//! hint), and a session the server ended is a connection error.

use dunder::prelude::*;
use dunder_test_models::conformance::{Article, Author, Tag};

#[test]
fn errors_show_the_servers_message_sqlstate_and_detail() {
    let Some(mut db) = dunder_tests::pg() else {
        return;
    };
    dunder_tests::load_conformance_pg(&mut db);
    // A duplicate key: the constraint, the message and the DETAIL.
    db.batch_execute("ALTER TABLE tag ADD CONSTRAINT tag_name_uniq UNIQUE (name)")
        .unwrap();
    query!(Tag.create(name = "dup")).run(&mut *db).unwrap();
    let err = query!(Tag.create(name = "dup")).run(&mut *db).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, dunder::Error::UniqueViolation { .. }),
        "{err:?}"
    );
    for want in [
        "unique constraint violated (tag_name_uniq)",
        "duplicate key value violates unique constraint \"tag_name_uniq\"",
        "SQLSTATE 23505",
        "DETAIL: Key (name)=(dup) already exists.",
        "SQL: INSERT INTO \"tag\"",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(!text.contains("db error"), "{text}");
    // Any other server error: its message and code.
    let _ = Author::TABLE;
    let err = db
        .batch_execute("SELECT 1/0")
        .map_err(|e| dunder::postgres::PgError(e).to_string());
    let text = err.unwrap_err();
    assert!(
        text.contains("division by zero") && text.contains("SQLSTATE 22012"),
        "{text}"
    );
}

#[test]
fn a_session_the_server_ended_is_a_connection_error() {
    let Some(db) = dunder_tests::pg() else {
        return;
    };
    let mut admin = dunder_tests::pg_connect(&db);
    let mut client = dunder_tests::pg_connect(&db);
    dunder_tests::load_conformance_pg(&mut client);
    let pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    let mut tx = client.transaction().unwrap();
    query!(Article.filter(pk = 1).update(rating = 99))
        .run(&mut tx)
        .unwrap();
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap();
    // Wait until the session is gone (bounded), so the next statement meets
    // a closed connection, not a race.
    for _ in 0..100 {
        let alive: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
                &[&pid],
            )
            .unwrap()
            .get(0);
        if alive == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let err = query!(Article.filter(pk = 2).update(rating = 98))
        .run(&mut tx)
        .unwrap_err();
    assert!(matches!(err, dunder::Error::Connection { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("connection error: "), "{text}");
    assert!(!text.ends_with("db error"), "{text}");
    drop(tx);
    // Nothing of the transaction remains.
    let rating: i32 = admin
        .query_one("SELECT rating FROM article WHERE id = 1", &[])
        .unwrap()
        .get(0);
    assert_eq!(rating, 5);
}

#[test]
fn a_missing_database_says_so_when_connecting() {
    let mut url = dunder_tests::postgres_url();
    if let Some(i) = url.rfind('/') {
        url.truncate(i + 1);
    }
    url.push_str("dunder_no_such_database");
    if dunder_tests::pg().is_none() {
        return;
    }
    let err = dunder::Db::connect(&url).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, dunder::Error::Connection { .. }), "{err:?}");
    assert!(
        text.contains("database \"dunder_no_such_database\" does not exist")
            && text.contains("3D000"),
        "{text}"
    );
}
