//! `.update(…)` (with `F()`) and `.delete()` on SQLite and PostgreSQL, and the
//! typed errors of constraint violations.

use dunder::prelude::*;
use dunder_test_models::conformance::Article;
use dunder_test_models::kinds::EveryKind;
use dunder_tests::every_kind;

struct Dbs {
    sqlite: rusqlite::Connection,
    pg: Option<dunder_tests::PgDb>,
}

fn dbs() -> Dbs {
    let rows = every_kind::seed();
    let sqlite = dunder_tests::sqlite();
    every_kind::load_sqlite(&sqlite, &rows);
    let mut pg = dunder_tests::pg();
    if let Some(c) = pg.as_mut() {
        every_kind::load_pg(c, &rows);
    }
    Dbs { sqlite, pg }
}

impl Dbs {
    /// Runs `cmd` on both backends; both must affect `n` rows and leave the
    /// same table.
    fn run<'a, P: AsRef<[dunder::Value<'a>]>>(
        &mut self,
        cmd: &dunder::Command<'a, P>,
        n: u64,
    ) -> Vec<EveryKind> {
        assert_eq!(
            cmd.run(&self.sqlite)
                .unwrap_or_else(|e| panic!("sqlite: {e}")),
            n,
            "{}",
            cmd.sql(Dialect::Sqlite)
        );
        let all = query!(EveryKind.order_by(id));
        let after = all.fetch_all(&self.sqlite).expect("read sqlite");
        if let Some(pg) = self.pg.as_mut() {
            assert_eq!(
                cmd.run(&mut **pg)
                    .unwrap_or_else(|e| panic!("postgres: {e}")),
                n,
                "{}",
                cmd.sql(Dialect::Postgres)
            );
            assert_eq!(
                all.fetch_all(&mut **pg).expect("read pg"),
                after,
                "SQLite and PostgreSQL disagree after {}",
                cmd.sql(Dialect::Postgres)
            );
        }
        after
    }
}

#[test]
fn update_values_nulls_and_f_expressions() {
    let mut db = dbs();
    let before = every_kind::seed();
    let title = String::from("updated");
    let after = db.run(
        &query!(EveryKind.filter(int__gte = 0, int__lt = 100).update(
            int = F(int) * 2 + 1,
            big = F(big) - F(small),
            double = -F(double),
            text = &title,
            opt_text = Some("note"),
            opt_int = None,
            opt_date = Some(chrono::NaiveDate::from_ymd_opt(2030, 1, 2).expect("date")),
        )),
        6,
    );
    for (b, a) in before.iter().zip(&after) {
        if (0..100).contains(&b.int) {
            assert_eq!(a.int, b.int * 2 + 1);
            assert_eq!(a.big, b.big - i64::from(b.small));
            assert_eq!(a.double, -b.double);
            assert_eq!(a.text, "updated");
            assert_eq!(a.opt_text.as_deref(), Some("note"));
            assert_eq!(a.opt_int, None);
            assert_eq!(a.opt_date, chrono::NaiveDate::from_ymd_opt(2030, 1, 2));
        } else {
            assert_eq!(a, b, "a row outside the filter changed");
        }
    }
    // Every row, and an Option set from a variable.
    let maybe: Option<i32> = Some(7);
    let after = db.run(&query!(EveryKind.update(opt_int = maybe, flag = true)), 8);
    assert!(after.iter().all(|r| r.opt_int == Some(7) && r.flag));
    // Nothing matches.
    db.run(&query!(EveryKind.filter(text = "nope").update(int = 0)), 0);
}

#[test]
fn delete_filtered_rows_and_everything() {
    let mut db = dbs();
    let after = db.run(
        &query!(EveryKind
            .filter((opt_text__isnull = true) | (int__lt = 0))
            .delete()),
        3,
    );
    assert_eq!(
        after.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![1, 3, 5, 6, 8]
    );
    let ids = [1i64, 3];
    db.run(&query!(EveryKind.exclude(id__in = ids).delete()), 3);
    db.run(&query!(EveryKind.order_by(id).delete()), 2);
    assert_eq!(query!(EveryKind.count()).run(&db.sqlite).expect("count"), 0);
}

#[test]
fn unique_and_foreign_key_violations_are_typed() {
    let mut db = dbs();
    let dup = query!(EveryKind.filter(id = 2).update(id = 1));
    match dup.run(&db.sqlite) {
        Err(dunder::Error::UniqueViolation { sql, .. }) => {
            assert_eq!(sql, dup.sql(Dialect::Sqlite))
        }
        other => panic!("expected UniqueViolation, got {other:?}"),
    }
    if let Some(pg) = db.pg.as_mut() {
        match dup.run(&mut **pg) {
            Err(dunder::Error::UniqueViolation { constraint, .. }) => {
                assert_eq!(constraint.as_deref(), Some("every_kind_pkey"))
            }
            other => panic!("expected UniqueViolation, got {other:?}"),
        }
    }

    let sqlite = dunder_tests::sqlite();
    sqlite
        .execute_batch("PRAGMA foreign_keys = ON")
        .expect("pragma");
    dunder_tests::conformance::load_sqlite(&sqlite);
    let bad = query!(Article.filter(id = 1).update(author = 999));
    assert!(
        matches!(
            bad.run(&sqlite),
            Err(dunder::Error::ForeignKeyViolation { .. })
        ),
        "{:?}",
        bad.run(&sqlite)
    );
    if let Some(mut pg) = dunder_tests::pg() {
        dunder_tests::conformance::load_pg(&mut pg);
        match bad.run(&mut *pg) {
            Err(dunder::Error::ForeignKeyViolation { constraint, .. }) => {
                assert!(constraint.is_some())
            }
            other => panic!("expected ForeignKeyViolation, got {other:?}"),
        }
    }
}

mod strict {
    /// A model over a table with constraints the derive does not write.
    #[derive(dunder::Model, Debug)]
    #[allow(dead_code)]
    pub struct Strict {
        pub id: i64,
        pub note: Option<String>,
    }
    pub const DDL: &str = "CREATE TABLE strict (id bigint PRIMARY KEY, note text NOT NULL CONSTRAINT short_note CHECK (length(note) < 5)); INSERT INTO strict VALUES (1, 'ok')";
}

#[test]
fn not_null_and_check_violations_are_typed() {
    use strict::Strict;
    let sqlite = dunder_tests::sqlite();
    sqlite.execute_batch(strict::DDL).expect("ddl");
    let mut pg = dunder_tests::pg();
    if let Some(c) = pg.as_mut() {
        c.batch_execute(strict::DDL).expect("ddl");
    }
    let null = query!(Strict.update(note = None));
    let long = query!(Strict.update(note = Some("too long")));
    match null.run(&sqlite) {
        Err(dunder::Error::NotNullViolation { column, .. }) => {
            assert_eq!(column.as_deref(), Some("note"))
        }
        other => panic!("expected NotNullViolation, got {other:?}"),
    }
    assert!(matches!(
        long.run(&sqlite),
        Err(dunder::Error::CheckViolation { .. })
    ));
    if let Some(c) = pg.as_mut() {
        match null.run(&mut **c) {
            Err(dunder::Error::NotNullViolation { column, .. }) => {
                assert_eq!(column.as_deref(), Some("note"))
            }
            other => panic!("expected NotNullViolation, got {other:?}"),
        }
        match long.run(&mut **c) {
            Err(dunder::Error::CheckViolation { constraint, .. }) => {
                assert_eq!(constraint.as_deref(), Some("short_note"))
            }
            other => panic!("expected CheckViolation, got {other:?}"),
        }
    }
}

#[test]
fn writes_in_transactions_and_on_db() {
    let mut db = dbs();
    let tx = db.sqlite.transaction().expect("tx");
    assert_eq!(
        query!(EveryKind.delete()).run(&tx).expect("delete in tx"),
        8
    );
    drop(tx); // rolled back
    assert_eq!(query!(EveryKind.count()).run(&db.sqlite).expect("count"), 8);
    if let Some(pg) = db.pg.as_mut() {
        let mut tx = pg.transaction().expect("tx");
        assert_eq!(
            query!(EveryKind.delete())
                .run(&mut tx)
                .expect("delete in tx"),
            8
        );
        tx.rollback().expect("rollback");
        let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(pg));
        assert_eq!(
            query!(EveryKind.filter(flag = true).update(int = 0))
                .run(&mut cached)
                .expect("cached"),
            4
        );
        assert_eq!(
            query!(EveryKind.filter(flag = true).update(int = 0))
                .run(&mut cached)
                .expect("cached again"),
            4
        );
    }
    let mut any = dunder::Db::connect("sqlite::memory:").expect("db");
    if let dunder::Db::Sqlite(c) = &any {
        every_kind::load_sqlite(c, &every_kind::seed());
    }
    assert_eq!(
        query!(EveryKind.filter(int__gt = 3).delete())
            .run(&mut any)
            .expect("db delete"),
        4
    );
}

/// `update`/`delete`/`create` hold their values in place (an array of as
/// many as they bind); `into_vec` gives statements of any size one type
/// (`Command<'_>`, `Create<'_, M>`), which an optional condition (values
/// picked at run time) has already. All run the same on both backends.
#[test]
fn statements_hold_their_values_in_place_or_in_a_vec() {
    let mut db = dbs();
    let two: dunder::Command<'_, [dunder::Value<'_>; 2]> =
        query!(EveryKind.filter(id = 1).update(int = 7));
    assert_eq!(
        two.params(),
        [dunder::Value::BigInt(1), dunder::Value::Int(7)]
    );
    assert!(format!("{two:?}").contains("params: [BigInt(1), Int(7)]"));
    let maybe: Option<&str> = None;
    let all: Vec<dunder::Command<'_>> = vec![
        two.into_vec(),
        query!(EveryKind.filter(id = 2).delete()).into_vec(),
        query!(EveryKind.delete()).into_vec(),
        // An optional condition: its values are a `Vec` already.
        query!(EveryKind.filter(text = maybe?).update(int = 0)),
    ];
    assert_eq!(all[2].params(), []);
    let counts: Vec<u64> = all
        .iter()
        .map(|c| c.run(&db.sqlite).expect("sqlite"))
        .collect();
    assert_eq!(counts, [1, 1, 7, 0]);
    if let Some(pg) = db.pg.as_mut() {
        let counts: Vec<u64> = all.iter().map(|c| c.run(&mut **pg).expect("pg")).collect();
        assert_eq!(counts, [1, 1, 7, 0]);
    }
    drop(all);
    let create = query!(EveryKind.create(
        flag = true,
        small = 1i16,
        int = 2,
        big = 3i64,
        real = 4.0f32,
        double = 5.0,
        text = "in place",
        bytes = vec![1u8],
        date = every_kind::d("2024-01-02"),
        datetime = every_kind::dt("2024-01-02 03:04:05"),
        datetime_utc = every_kind::utc("2024-01-02 03:04:05"),
        time = every_kind::t("03:04:05"),
    ));
    // The twelve values and `dec`'s default.
    assert_eq!(create.params().len(), 13);
    let create: dunder::Create<'_, EveryKind> = create.into_vec();
    let made = create.run(&db.sqlite).expect("create");
    assert_eq!(
        query!(EveryKind.get(id = made.id))
            .run(&db.sqlite)
            .expect("get"),
        made
    );
    assert_eq!((made.text.as_str(), made.int), ("in place", 2));
    if let Some(pg) = db.pg.as_mut() {
        let made_pg = create.run(&mut **pg).expect("create pg");
        assert_eq!((made_pg.text.as_str(), made_pg.int), ("in place", 2));
    }
}
