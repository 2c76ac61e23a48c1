//! `.create(…)`: INSERT … RETURNING the whole row, with defaults and
//! `auto_now_add`, on SQLite and PostgreSQL.

use chrono::{DateTime, Utc};
use dunder::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Person {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Note {
    pub id: i64,
    pub title: String,
    #[dunder(default = 3)]
    pub priority: i32,
    #[dunder(default = String::from("draft"))]
    pub status: String,
    pub body: Option<String>,
    #[dunder(auto_now_add)]
    pub created: DateTime<Utc>,
    #[dunder(default = Some(1.5))]
    pub weight: Option<f64>,
    pub author: Option<ForeignKey<crate::Person>>,
}

fn tables<E: dunder::Executor + Copy>(e: E) {
    dunder::create_table::<Person, _>(e).expect("person");
    dunder::create_table::<Note, _>(e).expect("note");
}

fn check(notes: &[Note], started: DateTime<Utc>) {
    let [a, b, c] = notes else {
        panic!("three notes")
    };
    assert_eq!((a.id, b.id, c.id), (1, 2, 3), "ids are assigned in order");
    assert_eq!(a.title, "first");
    assert_eq!(
        (a.priority, a.status.as_str(), a.body.as_deref(), a.weight),
        (3, "draft", None, Some(1.5))
    );
    assert_eq!(
        (b.priority, b.status.as_str(), b.body.as_deref(), b.weight),
        (9, "done", Some("text"), None)
    );
    assert_eq!(c.author.as_ref().map(|p| p.id()), Some(1));
    for n in notes {
        let age = Utc::now() - n.created;
        assert!(
            n.created >= started - chrono::Duration::seconds(1)
                && age < chrono::Duration::seconds(60),
            "{n:?}"
        );
    }
}

fn create_three<E: dunder::Executor + Copy>(e: E) -> Vec<Note> {
    let started = Utc::now();
    let title = String::from("second");
    let a = query!(Note.create(title = "first"))
        .run(e)
        .expect("create a");
    let b = query!(Note.create(
        title = &title,
        priority = 9,
        status = "done".to_owned(),
        body = Some("text"),
        weight = None
    ))
    .run(e)
    .expect("create b");
    query!(Person.create(name = "ada")).run(e).expect("person");
    let c = query!(Note.create(title = "third", author = Some(1)))
        .run(e)
        .expect("create c");
    let notes = vec![a, b, c];
    check(&notes, started);
    // What create returned is what is stored.
    let stored = query!(Note.order_by(id)).fetch_all(e).expect("read");
    assert_eq!(stored, notes);
    notes
}

#[test]
fn create_returns_the_stored_row_on_sqlite() {
    let conn = dunder_tests::sqlite();
    tables(&conn);
    create_three(&conn);
    println!("{}", query!(Note.create(title = "x")).sql(Dialect::Sqlite));
}

#[test]
fn create_returns_the_stored_row_on_postgres() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    dunder::create_table::<Person, _>(&mut *pg).expect("person");
    dunder::create_table::<Note, _>(&mut *pg).expect("note");
    let started = Utc::now();
    let mut notes = Vec::new();
    notes.push(
        query!(Note.create(title = "first"))
            .run(&mut *pg)
            .expect("a"),
    );
    notes.push(
        query!(Note.create(
            title = "second",
            priority = 9,
            status = "done".to_owned(),
            body = Some("text"),
            weight = None
        ))
        .run(&mut *pg)
        .expect("b"),
    );
    query!(Person.create(name = "ada"))
        .run(&mut *pg)
        .expect("person");
    let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
    notes.push(
        query!(Note.create(title = "third", author = Some(1)))
            .run(&mut cached)
            .expect("c"),
    );
    check(&notes, started);
    assert_eq!(
        query!(Note.order_by(id)).fetch_all(&mut *pg).expect("read"),
        notes
    );
}

#[test]
fn create_violations_are_typed() {
    let conn = dunder_tests::sqlite();
    conn.execute_batch("PRAGMA foreign_keys = ON")
        .expect("pragma");
    tables(&conn);
    let bad = query!(Note.create(title = "x", author = Some(42)));
    assert!(matches!(
        bad.run(&conn),
        Err(dunder::Error::ForeignKeyViolation { .. })
    ));
    if let Some(mut pg) = dunder_tests::pg() {
        dunder::create_table::<Person, _>(&mut *pg).expect("person");
        dunder::create_table::<Note, _>(&mut *pg).expect("note");
        assert!(matches!(
            bad.run(&mut *pg),
            Err(dunder::Error::ForeignKeyViolation { .. })
        ));
    }
}

#[test]
fn every_field_kind_round_trips_through_create() {
    use dunder_test_models::kinds::EveryKind;
    let rows = dunder_tests::every_kind::seed();
    let conn = dunder_tests::sqlite();
    dunder::create_table::<EveryKind, _>(&conn).expect("table");
    let mut pg = dunder_tests::pg();
    if let Some(c) = pg.as_mut() {
        dunder::create_table::<EveryKind, _>(&mut **c).expect("table");
    }
    for r in &rows {
        let q = query!(EveryKind.create(
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
            opt_flag = r.opt_flag,
            opt_int = r.opt_int,
            opt_double = r.opt_double,
            opt_text = r.opt_text.as_deref(),
            opt_bytes = r.opt_bytes.as_deref(),
            opt_date = r.opt_date,
            opt_datetime = r.opt_datetime,
            opt_datetime_utc = r.opt_datetime_utc,
            opt_time = r.opt_time,
            dec = r.dec,
            opt_dec = r.opt_dec,
        ));
        assert_eq!(&q.run(&conn).expect("sqlite create"), r);
        if let Some(c) = pg.as_mut() {
            assert_eq!(&q.run(&mut **c).expect("pg create"), r);
        }
    }
}
