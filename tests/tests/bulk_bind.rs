//! `bulk_create` / `bulk_insert` on an SQLite connection bind every field
//! straight from the rows (no `Value` per value); `Db` (and PostgreSQL)
//! send the rows' `Value`s. Both must store exactly the same thing, column
//! by column, for every kind of field, `auto_now` columns included, and
//! return the same rows, in one statement or in several.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use dunder::prelude::*;
use dunder::Decimal;
use dunder_test_models::kinds::{EveryKind, NewEveryKind};
use dunder_tests::every_kind;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Owner {
    pub id: i64,
    pub name: String,
}

/// Every field kind the rows give, the ones `EveryKind` has not (`Option`
/// of i16, i64, f32; keys) and the `auto_now` ones, which the rows do not.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Sample {
    pub id: i64,
    pub owner: ForeignKey<crate::Owner>,
    pub maybe_owner: Option<ForeignKey<crate::Owner>>,
    pub only: Option<OneToOne<crate::Owner>>,
    pub small: i16,
    pub opt_small: Option<i16>,
    pub big: i64,
    pub opt_big: Option<i64>,
    pub real: f32,
    pub opt_real: Option<f32>,
    pub label: String,
    pub blob: Vec<u8>,
    #[dunder(max_digits = 10, decimal_places = 3)]
    pub amount: Decimal,
    pub opt_time: Option<NaiveTime>,
    #[dunder(auto_now_add)]
    pub created: DateTime<Utc>,
    #[dunder(auto_now)]
    pub touched: NaiveDateTime,
    #[dunder(auto_now_add)]
    pub day: NaiveDate,
}

/// The tables, and owners 1 to 4.
macro_rules! owners {
    ($e:expr) => {{
        dunder::create_table::<Owner, _>($e).expect("owner");
        dunder::create_table::<Sample, _>($e).expect("sample");
        let names: Vec<NewOwner> = (0..4)
            .map(|i| NewOwner {
                name: format!("owner {i}"),
            })
            .collect();
        Owner::bulk_insert($e, &names).expect("owners");
    }};
}

fn samples(n: usize) -> Vec<NewSample> {
    (0..n)
        .map(|i| {
            let k = (i % 4) as i64 + 1;
            NewSample {
                owner: ForeignKey::new(k),
                maybe_owner: (i % 3 != 0).then(|| ForeignKey::new(5 - k)),
                // One-to-one: unique, so only one row points at owner 1.
                only: (i == 1).then(|| OneToOne::new(1)),
                small: i as i16 - 300,
                opt_small: (i % 2 == 0).then_some(-(i as i16)),
                big: (i as i64) << 40,
                opt_big: (i % 5 != 0).then_some(i as i64 * -7),
                real: i as f32 * 0.25,
                opt_real: (i % 2 == 1).then_some(-1.5),
                // Text with quotes, non-ASCII and a NUL: stored as sent.
                label: format!("row {i} 'été' \u{0}end"),
                blob: if i % 4 == 0 {
                    Vec::new()
                } else {
                    vec![0, 255, i as u8]
                },
                amount: Decimal::new(i as i64 * 1001 - 5000, 3),
                opt_time: (i % 3 == 0)
                    .then(|| NaiveTime::from_hms_micro_opt(1, 2, 3, i as u32).expect("time")),
            }
        })
        .collect()
}

/// What SQLite stores, as SQL literals (`quote`), every column but the
/// `auto_now` ones; and those, separately.
type Stored = (Vec<String>, Vec<String>);

fn stored(conn: &rusqlite::Connection) -> Stored {
    let literal = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).expect("prepare");
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .expect("query");
        rows.map(|r| r.expect("row")).collect()
    };
    let given = literal(
        "SELECT quote(id) || ',' || quote(owner_id) || ',' || quote(maybe_owner_id) || ',' \
         || quote(only_id) || ',' || quote(small) || ',' || quote(opt_small) || ',' || quote(big) \
         || ',' || quote(opt_big) || ',' || quote(real) || ',' || quote(opt_real) || ',' \
         || quote(label) || ',' || quote(blob) || ',' || quote(amount) || ',' || quote(opt_time) \
         || ',' || typeof(amount) FROM sample ORDER BY id",
    );
    let now = literal(
        "SELECT quote(created) || ',' || quote(touched) || ',' || quote(day) FROM sample ORDER BY id",
    );
    (given, now)
}

/// The rows stored by the direct binding of an SQLite connection are the
/// ones `Db`'s `Value`s store, column by column; `bulk_create` returns the
/// stored rows; every row of one call has the same `auto_now` instant.
#[test]
fn direct_binding_stores_what_values_store() {
    let rows = samples(40);

    let conn = dunder_tests::sqlite();
    owners!(&conn);
    // `only` is unique: the second insert leaves it out.
    let again: Vec<NewSample> = rows
        .iter()
        .cloned()
        .map(|mut r| {
            r.only = None;
            r
        })
        .collect();
    let created = Sample::bulk_create(&conn, &rows).expect("bulk_create");
    assert_eq!(Sample::bulk_insert(&conn, &again).expect("bulk_insert"), 40);
    let direct = stored(&conn);

    let mut db = dunder::Db::connect("sqlite::memory:").expect("db");
    owners!(&mut db);
    let created_db = Sample::bulk_create(&mut db, &rows).expect("db bulk_create");
    assert_eq!(
        Sample::bulk_insert(&mut db, &again).expect("db bulk_insert"),
        40
    );
    let dunder::Db::Sqlite(db_conn) = &db else {
        panic!("an SQLite Db");
    };
    let by_values = stored(db_conn);

    assert_eq!(direct.0, by_values.0, "the same values stored");
    assert_eq!(direct.0.len(), 80);
    assert!(
        direct.0[0].contains("X''"),
        "an empty blob: {}",
        direct.0[0]
    );
    assert!(
        direct.0[0].contains("'row 0 ''été'' "),
        "the text: {}",
        direct.0[0]
    );

    // What bulk_create returned is what is stored, `auto_now` included.
    let read = query!(Sample.order_by(id)).fetch_all(&conn).expect("read");
    assert_eq!(created[..], read[..40]);
    let read_db = query!(Sample.order_by(id))
        .fetch_all(&mut db)
        .expect("read db");
    assert_eq!(created_db[..], read_db[..40]);
    for (c, d) in created.iter().zip(&created_db) {
        let same = |s: &Sample| {
            let mut s = s.clone();
            s.created = DateTime::UNIX_EPOCH;
            s.touched = NaiveDateTime::MIN;
            s.day = NaiveDate::MIN;
            s
        };
        assert_eq!(same(c), same(d));
    }
    assert_eq!(created[1].label, "row 1 'été' \u{0}end", "a NUL kept");
    // One instant per call, for every row and every `auto_now` column.
    for now in [&direct.1, &by_values.1] {
        assert!(now[..40].iter().all(|t| *t == now[0]), "{now:?}");
        assert!(now[40..].iter().all(|t| *t == now[40]), "{now:?}");
    }
    assert!(created
        .iter()
        .all(|s| s.created == created[0].created && s.touched == created[0].created.naive_utc()));
}

/// Past the rows one SQLite statement holds (1,000): several statements in
/// a savepoint, on a connection and inside a transaction; the returned rows
/// are the stored ones, in order; a failure in a later statement leaves
/// nothing behind, and the error carries the SQL of the statement.
#[test]
fn direct_binding_in_several_statements() {
    let conn = dunder_tests::sqlite();
    owners!(&conn);
    let rows = samples(2_345);
    // `only` is unique: leave it out of these rows.
    let rows: Vec<NewSample> = rows
        .into_iter()
        .map(|mut r| {
            r.only = None;
            r
        })
        .collect();
    let created = Sample::bulk_create(&conn, &rows).expect("bulk_create");
    assert_eq!(created.len(), 2_345);
    assert_eq!(
        query!(Sample.order_by(id)).fetch_all(&conn).expect("read"),
        created
    );
    assert!(created.iter().all(|s| s.created == created[0].created));

    let tx = conn.unchecked_transaction().expect("tx");
    assert_eq!(Sample::bulk_insert(&tx, &rows).expect("in tx"), 2_345);
    tx.rollback().expect("rollback");

    // A key to an owner that does not exist, in the third statement: the
    // (deferred) foreign key fails when the savepoint is released, and no
    // row stays behind.
    let mut bad = rows.clone();
    bad[2_100].owner = ForeignKey::new(99);
    for result in [
        Sample::bulk_insert(&conn, &bad).map(|_| ()),
        Sample::bulk_create(&conn, &bad).map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(dunder::Error::ForeignKeyViolation { .. })),
            "{result:?}"
        );
    }
    // A duplicate key, in the second statement: the error of the INSERT.
    let mut twice = rows.clone();
    twice[10].only = Some(OneToOne::new(2));
    twice[1_500].only = Some(OneToOne::new(2));
    for result in [
        Sample::bulk_insert(&conn, &twice).map(|_| ()),
        Sample::bulk_create(&conn, &twice).map(|_| ()),
    ] {
        match result {
            Err(dunder::Error::UniqueViolation { sql, .. }) => {
                assert!(sql.starts_with("INSERT INTO \"sample\""), "{sql}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(query!(Sample.count()).run(&conn).expect("count"), 2_345);
    assert!(conn.is_autocommit());
}

/// `EveryKind`'s rows through both paths store the same literals.
#[test]
fn every_kind_stores_the_same_through_both_paths() {
    let seed = every_kind::seed();
    let new: Vec<NewEveryKind> = seed.iter().map(every_kind::new_of).collect();
    let dump = |conn: &rusqlite::Connection| -> Vec<Vec<String>> {
        let stmt = conn
            .prepare("SELECT * FROM every_kind ORDER BY id")
            .expect("prepare");
        let n = stmt.column_count();
        let sql = format!(
            "SELECT {} FROM every_kind ORDER BY id",
            (0..n)
                .map(|i| format!(
                    "quote(\"{0}\") || ':' || typeof(\"{0}\")",
                    stmt.column_name(i).expect("name")
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut stmt = conn.prepare(&sql).expect("prepare");
        let rows = stmt
            .query_map([], |r| (0..n).map(|i| r.get::<_, String>(i)).collect())
            .expect("query");
        rows.map(|r| r.expect("row")).collect()
    };
    let conn = dunder_tests::sqlite();
    dunder::create_table::<EveryKind, _>(&conn).expect("table");
    let created = EveryKind::bulk_create(&conn, &new).expect("bulk");
    EveryKind::bulk_insert(&conn, &new).expect("bulk_insert");
    let mut db = dunder::Db::connect("sqlite::memory:").expect("db");
    dunder::create_table::<EveryKind, _>(&mut db).expect("table");
    let created_db = EveryKind::bulk_create(&mut db, &new).expect("bulk");
    EveryKind::bulk_insert(&mut db, &new).expect("bulk_insert");
    let dunder::Db::Sqlite(db_conn) = &db else {
        panic!("an SQLite Db");
    };
    assert_eq!(dump(&conn), dump(db_conn));
    assert_eq!(created, created_db);
    assert_eq!(created, seed);
}
