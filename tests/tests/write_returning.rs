//! What writes read back (issue #12): `create`, `New<Model>::insert` and
//! `bulk_create` return the values they sent plus only what the database
//! computed (the auto-increment key, decimals as rounded, columns left to a
//! database default); `bulk_insert` reads nothing back. Both backends.

use dunder::prelude::*;
use dunder::Decimal;
use dunder_test_models::kinds::{EveryKind, NewEveryKind};
use dunder_tests::every_kind;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Memo {
    pub id: i64,
    pub text: String,
    pub stars: Option<i32>,
    #[dunder(auto_now_add)]
    pub at: chrono::NaiveDateTime,
}

/// A model whose key the rows give: the database computes nothing.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Code {
    #[dunder(primary_key)]
    pub code: String,
    pub label: String,
}

/// A decimal the database rounds to its scale.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Price {
    pub id: i64,
    #[dunder(max_digits = 6, decimal_places = 2)]
    pub amount: Decimal,
    pub label: String,
}

fn new_every_kind(n: usize) -> Vec<NewEveryKind> {
    every_kind::new_rows(n)
}

#[test]
fn create_returns_only_what_the_database_computes() {
    let q = query!(Memo.create(text = "a", stars = Some(2)));
    assert_eq!(
        q.sql(Dialect::Sqlite),
        r#"INSERT INTO "memo" ("text", "stars", "at") VALUES (?1, ?2, ?3) RETURNING "id""#
    );
    assert_eq!(
        q.sql(Dialect::Postgres),
        r#"INSERT INTO "memo" ("text", "stars", "at") VALUES ($1::text, $2::int4, $3::timestamp) RETURNING "id""#
    );
    // A nullable field left out is the column's default: read back.
    let q = query!(Memo.create(text = "b"));
    assert!(
        q.sql(Dialect::Sqlite)
            .ends_with(r#"RETURNING "id", "stars""#),
        "{}",
        q.sql(Dialect::Sqlite)
    );
    // A key the row gives: nothing to read back.
    let q = query!(Code.create(code = "x", label = "y"));
    assert_eq!(
        q.sql(Dialect::Sqlite),
        r#"INSERT INTO "code" ("code", "label") VALUES (?1, ?2)"#
    );
    // A decimal comes back as the database rounded it.
    let q = query!(Price.create(amount = Decimal::new(1005, 3), label = "z"));
    assert!(q
        .sql(Dialect::Postgres)
        .ends_with(r#"RETURNING "id", "amount""#));
}

/// Each backend: the returned rows equal what a SELECT reads afterwards.
macro_rules! created_rows_equal_stored_rows {
    ($e:expr, $pg:expr) => {{
    let memo = query!(Memo.create(text = "a", stars = Some(2)))
        .run($e)
        .expect("create");
    assert_eq!((memo.id, memo.text.as_str(), memo.stars), (1, "a", Some(2)));
    let memo2 = NewMemo {
        text: "b".into(),
        stars: None,
    }
    .insert($e)
    .expect("insert");
    assert_eq!(memo2.id, 2);
    let made = Memo::bulk_create(
        $e,
        &[
            NewMemo {
                text: "c".into(),
                stars: Some(5),
            },
            NewMemo {
                text: "d".into(),
                stars: None,
            },
        ],
    )
    .expect("bulk");
    assert_eq!(made.iter().map(|m| m.id).collect::<Vec<_>>(), [3, 4]);
    let stored = query!(Memo.order_by(id)).fetch_all($e).expect("read");
    assert_eq!(stored, [vec![memo, memo2], made].concat(), "pg: {}", $pg);

    let code = query!(Code.create(code = "k", label = "key"))
        .run($e)
        .expect("code");
    assert_eq!(
        code,
        Code {
            code: "k".into(),
            label: "key".into()
        }
    );
    let codes = Code::bulk_create(
        $e,
        &[
            NewCode {
                code: "m".into(),
                label: "em".into(),
            },
            NewCode {
                code: "n".into(),
                label: "en".into(),
            },
        ],
    )
    .expect("codes");
    assert_eq!(codes[1].label, "en");
    assert_eq!(
        query!(Code.order_by(code)).fetch_all($e).expect("codes"),
        [vec![code], codes].concat()
    );

    // 1.005 is stored rounded (half away from zero) on both backends, and
    // that is what comes back.
    let p = query!(Price.create(amount = Decimal::new(1005, 3), label = "p"))
        .run($e)
        .expect("price");
    assert_eq!(p.amount, Decimal::new(101, 2));
    let ps = Price::bulk_create(
        $e,
        &[NewPrice {
            amount: Decimal::new(-1005, 3),
            label: "q".into(),
        }],
    )
    .expect("prices");
    assert_eq!(ps[0].amount, Decimal::new(-101, 2));
    assert_eq!(
        query!(Price.order_by(id)).fetch_all($e).expect("prices"),
        [vec![p], ps].concat()
    );
    }};
}

#[test]
fn created_rows_equal_stored_rows_on_sqlite() {
    let conn = dunder_tests::sqlite();
    dunder::create_table::<Memo, _>(&conn).expect("memo");
    dunder::create_table::<Code, _>(&conn).expect("code");
    dunder::create_table::<Price, _>(&conn).expect("price");
    created_rows_equal_stored_rows!(&conn, false);
}

#[test]
fn created_rows_equal_stored_rows_on_postgres() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    dunder::create_table::<Memo, _>(&mut *pg).expect("memo");
    dunder::create_table::<Code, _>(&mut *pg).expect("code");
    dunder::create_table::<Price, _>(&mut *pg).expect("price");
    let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
    // Statements prepared by the cache, with and without RETURNING.
    for e in [0, 1] {
        pg.batch_execute("TRUNCATE memo, code, price RESTART IDENTITY")
            .expect("truncate");
        if e == 0 {
            created_rows_equal_stored_rows!(&mut *pg, true);
        } else {
            created_rows_equal_stored_rows!(&mut cached, true);
        }
    }
}

/// `get_or_create` / `update_or_create` create their row as `create` does:
/// the values sent plus what the database computed (the key, a decimal as
/// rounded); a key the lookups give means nothing is read back, and the row
/// count says whether the row was created. What they return equals what is
/// stored.
macro_rules! get_or_create_rows_equal_stored_rows {
    ($e:expr) => {{
        let q = query!(Price.get_or_create(label = "p", defaults(amount = Decimal::new(1005, 3))));
        let (p, created) = q.run($e).expect("created");
        assert!(created);
        assert_eq!(p.amount, Decimal::new(101, 2), "rounded by the database");
        let (again, created) = q.run($e).expect("found");
        assert!(!created);
        assert_eq!(again, p);
        assert_eq!(query!(Price.get(id = p.id)).run($e).expect("stored"), p);
        let q = query!(Code.get_or_create(code = "c1", defaults(label = "first")));
        let (c, created) = q.run($e).expect("created");
        assert_eq!(
            (c.code.as_str(), c.label.as_str(), created),
            ("c1", "first", true)
        );
        let (c, created) = q.run($e).expect("found");
        assert_eq!((c.label.as_str(), created), ("first", false));
        let (c, created) = query!(Code.update_or_create(code = "c2", defaults(label = "second")))
            .run($e)
            .expect("created");
        assert_eq!((c.label.as_str(), created), ("second", true));
        let stored = query!(Code.order_by(code)).fetch_all($e).expect("codes");
        assert_eq!(stored.len(), 2);
        assert_eq!(stored[1], c);
    }};
}

#[test]
fn get_or_create_reads_back_only_what_the_database_computes() {
    let q = query!(Price.get_or_create(label = "p", defaults(amount = Decimal::ONE)));
    let insert = q.sql(Dialect::Postgres)[1];
    assert!(
        insert.ends_with(r#"ON CONFLICT DO NOTHING RETURNING "id", "amount""#),
        "{insert}"
    );
    let q = query!(Code.get_or_create(code = "c", defaults(label = "l")));
    let insert = q.sql(Dialect::Sqlite)[1];
    assert!(insert.ends_with("ON CONFLICT DO NOTHING"), "{insert}");

    let conn = dunder_tests::sqlite();
    dunder::create_table::<Code, _>(&conn).expect("code");
    dunder::create_table::<Price, _>(&conn).expect("price");
    get_or_create_rows_equal_stored_rows!(&conn);
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    dunder::create_table::<Code, _>(&mut *pg).expect("code");
    dunder::create_table::<Price, _>(&mut *pg).expect("price");
    let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
    let mut own = dunder_tests::pg_conn(&pg);
    for e in 0..3 {
        pg.batch_execute("TRUNCATE code, price RESTART IDENTITY")
            .expect("truncate");
        match e {
            0 => get_or_create_rows_equal_stored_rows!(&mut *pg),
            1 => get_or_create_rows_equal_stored_rows!(&mut cached),
            _ => get_or_create_rows_equal_stored_rows!(&mut own),
        }
    }
}

/// A nullable column `create` leaves out takes the database's default,
/// which comes back (a table made elsewhere, e.g. by Django's `db_default`).
#[test]
fn a_database_default_comes_back() {
    let conn = dunder_tests::sqlite();
    conn.execute_batch(
        r#"CREATE TABLE "memo" ("id" integer PRIMARY KEY, "text" text NOT NULL, "stars" integer NULL DEFAULT 7, "at" datetime NOT NULL)"#,
    )
    .expect("ddl");
    let m = query!(Memo.create(text = "x")).run(&conn).expect("create");
    assert_eq!(m.stars, Some(7));
    let n = query!(Memo.create(text = "y", stars = None))
        .run(&conn)
        .expect("create");
    assert_eq!(n.stars, None, "an explicit NULL is sent, not defaulted");
    assert_eq!(
        query!(Memo.order_by(id)).fetch_all(&conn).expect("read"),
        [m, n]
    );
    if let Some(mut pg) = dunder_tests::pg() {
        pg.batch_execute(
            r#"CREATE TABLE "memo" ("id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "text" text NOT NULL, "stars" integer NULL DEFAULT 7, "at" timestamp NOT NULL)"#,
        )
        .expect("ddl");
        let m = query!(Memo.create(text = "x"))
            .run(&mut *pg)
            .expect("create");
        assert_eq!((m.id, m.stars), (1, Some(7)));
    }
}

/// `bulk_insert`: the rows are stored as `bulk_create` stores them, the
/// count comes back, and nothing else is read.
#[test]
fn bulk_insert_stores_the_rows_and_counts_them() {
    let new = new_every_kind(2_500);
    let conn = dunder_tests::sqlite();
    dunder::create_table::<EveryKind, _>(&conn).expect("table");
    assert_eq!(EveryKind::bulk_insert(&conn, &new).expect("insert"), 2_500);
    assert_eq!(EveryKind::bulk_insert(&conn, &[]).expect("empty"), 0);
    assert_eq!(EveryKind::bulk_insert(&conn, &new[..1]).expect("one"), 1);
    let stored = query!(EveryKind.order_by(id))
        .fetch_all(&conn)
        .expect("read");
    assert_eq!(stored.len(), 2_501);
    // bulk_create's rows of the same values are the stored ones.
    let created = EveryKind::bulk_create(&conn, &new[..50]).expect("create");
    assert_eq!(
        created[..],
        stored[..50]
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.id += 2_501;
                r
            })
            .collect::<Vec<_>>()[..]
    );

    if let Some(mut pg) = dunder_tests::pg() {
        dunder::create_table::<EveryKind, _>(&mut *pg).expect("table");
        assert_eq!(EveryKind::bulk_insert(&mut *pg, &new).expect("pg"), 2_500);
        assert_eq!(EveryKind::bulk_insert(&mut *pg, &[]).expect("empty"), 0);
        let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
        assert_eq!(
            EveryKind::bulk_insert(&mut cached, &new[..1]).expect("cached"),
            1
        );
        let stored_pg = query!(EveryKind.order_by(id))
            .fetch_all(&mut *pg)
            .expect("read");
        assert_eq!(
            stored_pg[..],
            stored[..],
            "both backends store the same rows"
        );
    }
}

/// `bulk_insert` is all or nothing, like `bulk_create`.
#[test]
fn bulk_insert_is_all_or_nothing() {
    let conn = dunder_tests::sqlite();
    dunder::create_table::<Code, _>(&conn).expect("table");
    let mut rows: Vec<NewCode> = (0..1_500)
        .map(|i| NewCode {
            code: format!("c{i}"),
            label: String::new(),
        })
        .collect();
    rows[1_200].code = "c3".into(); // a duplicate key in the second statement
    assert!(matches!(
        Code::bulk_insert(&conn, &rows),
        Err(dunder::Error::UniqueViolation { .. })
    ));
    assert_eq!(query!(Code.count()).run(&conn).expect("count"), 0);
    assert!(conn.is_autocommit());
    if let Some(mut pg) = dunder_tests::pg() {
        dunder::create_table::<Code, _>(&mut *pg).expect("table");
        assert!(matches!(
            Code::bulk_insert(&mut *pg, &rows),
            Err(dunder::Error::UniqueViolation { .. })
        ));
        assert_eq!(query!(Code.count()).run(&mut *pg).expect("count"), 0);
    }
}

/// A text with NUL in a row of a PostgreSQL bulk insert (sent as an array
/// column) is refused as any other parameter is, before the server sees it.
#[test]
fn nul_in_a_bulk_row_is_an_invalid_value() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    dunder::create_table::<Code, _>(&mut *pg).expect("table");
    let rows = [
        NewCode {
            code: "a".into(),
            label: "fine".into(),
        },
        NewCode {
            code: "b".into(),
            label: "bad\0".into(),
        },
    ];
    for result in [
        Code::bulk_insert(&mut *pg, &rows).map(|_| ()),
        Code::bulk_create(&mut *pg, &rows).map(|_| ()),
    ] {
        match result {
            Err(dunder::Error::InvalidValue { reason, sql }) => {
                assert!(reason.contains("NUL"), "{reason}");
                assert!(sql.contains("UNNEST"), "{sql}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(query!(Code.count()).run(&mut *pg).expect("count"), 0);
}
