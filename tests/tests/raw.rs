//! Raw SQL (issue #11 §3): `Model::raw`, `dunder::raw::{query, execute}`,
//! `Db::{execute, query}` and `Model::from_row` on driver rows, the same on
//! both backends: parameters always bound, rows decoded by column name.

use dunder::prelude::*;
use dunder::{Executor, ToValue};

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Writer {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Novel {
    pub id: i64,
    pub title: String,
    pub rating: Option<i32>,
    pub published: chrono::NaiveDate,
    pub writer: ForeignKey<crate::Writer>,
}

fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// The same checks on any connection: borrowed again for each call.
fn check<E>(c: &mut E)
where
    for<'a> &'a mut E: Executor,
{
    dunder::create_table::<Writer, _>(&mut *c).expect("writer table");
    dunder::create_table::<Novel, _>(&mut *c).expect("novel table");
    let n = dunder::raw::execute(
        &mut *c,
        "INSERT INTO writer (id, name) VALUES (?, ?), (?, ?)",
        &[&1i64, &"Le Guin", &2i64, &"Lem"],
    )
    .expect("insert writers");
    assert_eq!(n, 2);
    let none: Option<i32> = None;
    let n = dunder::raw::execute(
        &mut *c,
        "INSERT INTO novel (title, rating, published, writer_id) VALUES (?1, ?2, ?3, ?4), (?5, ?6, ?7, ?4), (?8, ?9, ?10, ?11)",
        &[
            &"The Dispossessed",
            &Some(5i32),
            &date(1974, 5, 1),
            &1i64,
            &"Earthsea; DROP TABLE novel; --'",
            &none,
            &date(1968, 1, 1),
            &"Solaris",
            &Some(4i32),
            &date(1961, 6, 1),
            &2i64,
        ],
    )
    .expect("insert novels");
    assert_eq!(n, 3);

    // Columns in any order, extra ones ignored, a `?` inside a literal and
    // a comment left alone; the value with SQL in it is only a value.
    let rows = Novel::raw(
        &mut *c,
        "SELECT writer_id, 'it''s ?' AS note, published, rating, title, id -- ?\n\
         FROM novel WHERE title LIKE ? OR rating >= ? ORDER BY id",
        &[&"Earthsea%", &5i32],
    )
    .expect("raw");
    assert_eq!(
        rows.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
        ["The Dispossessed", "Earthsea; DROP TABLE novel; --'"]
    );
    assert_eq!(rows[0].rating, Some(5));
    assert_eq!(rows[1].rating, None);
    assert_eq!(rows[0].published, date(1974, 5, 1));
    assert_eq!(rows[1].writer.id(), 1);
    // The same rows as query!.
    let same = query!(Novel.filter(id__lte = 2).order_by(id))
        .fetch_all(&mut *c)
        .expect("query!");
    assert_eq!(rows, same);

    // Numbered placeholders, reused; joins; an upper-case alias.
    let rows = Writer::raw(
        &mut *c,
        "SELECT DISTINCT w.id AS id, w.name AS NAME FROM writer w JOIN novel n ON n.writer_id = w.id \
         WHERE n.published < ?1 OR w.name = ?2 OR n.title = ?2 ORDER BY 1",
        &[&date(1965, 1, 1), &"nobody"],
    )
    .expect("join");
    assert_eq!(
        rows,
        [Writer {
            id: 2,
            name: "Lem".into()
        }]
    );

    // Scalars read the first column; any FromRow type decodes by name.
    let titles: Vec<String> = dunder::raw::query(
        &mut *c,
        "SELECT title FROM novel WHERE writer_id = ? ORDER BY title",
        &[&ForeignKey::<Writer>::new(1)],
    )
    .expect("scalars");
    assert_eq!(
        titles,
        ["Earthsea; DROP TABLE novel; --'", "The Dispossessed"]
    );
    let count: Vec<i64> =
        dunder::raw::query(&mut *c, "SELECT count(*) FROM novel", &[]).expect("count");
    assert_eq!(count, [3]);

    // A missing column is a decode error naming it, with the SQL.
    let e = Novel::raw(
        &mut *c,
        "SELECT id, title, published, writer_id FROM novel",
        &[],
    )
    .unwrap_err();
    match &e {
        dunder::Error::Decode { column, found, .. } => {
            assert_eq!(*column, "rating");
            assert!(found.contains("no column named `rating`"), "{found}");
            assert!(found.contains("`writer_id`"), "{found}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(e.sql().is_some_and(|s| s.contains("FROM novel")), "{e}");

    // Placeholders and parameters must match: refused before sending.
    for (sql, params) in [
        ("SELECT id, name FROM writer WHERE id = ?", &[][..]),
        (
            "SELECT id, name FROM writer WHERE id = ?",
            &[&1i64 as &dyn ToValue, &2i64][..],
        ),
        ("SELECT id, name FROM writer WHERE id = ?0", &[][..]),
    ] {
        let e = Writer::raw(&mut *c, sql, params).unwrap_err();
        assert!(matches!(e, dunder::Error::InvalidSql { .. }), "{e:?}");
        assert_eq!(e.sql(), Some(sql));
    }

    // Database errors are typed and carry the SQL.
    let e = dunder::raw::execute(
        &mut *c,
        "INSERT INTO writer (id, name) VALUES (?, ?)",
        &[&1i64, &"again"],
    )
    .unwrap_err();
    assert!(matches!(e, dunder::Error::UniqueViolation { .. }), "{e:?}");
    assert_eq!(
        e.sql().map(|s| s.contains("INSERT INTO writer")),
        Some(true)
    );
    let e = Writer::raw(&mut *c, "SELECT id, name FROM nowhere", &[]).unwrap_err();
    assert!(matches!(e, dunder::Error::Database { .. }), "{e:?}");

    // A type the field cannot hold: Decode, naming the column.
    let e = Writer::raw(&mut *c, "SELECT id, 1.5 AS name FROM writer", &[]).unwrap_err();
    assert!(
        matches!(e, dunder::Error::Decode { column: "name", .. }),
        "{e:?}"
    );

    // Updates report the rows affected; DDL works too.
    let n = dunder::raw::execute(
        &mut *c,
        "UPDATE novel SET rating = coalesce(rating, 0) + ? WHERE writer_id = ?",
        &[&1i32, &1i64],
    )
    .expect("update");
    assert_eq!(n, 2);
    dunder::raw::execute(&mut *c, "CREATE INDEX novel_title ON novel (title)", &[]).expect("ddl");
}

#[test]
fn raw_sql_on_sqlite() {
    check(&mut dunder_tests::sqlite());
}

#[test]
fn raw_sql_on_postgres() {
    let Some(mut db) = dunder_tests::pg() else {
        return;
    };
    check(&mut *db);
}

#[test]
fn raw_sql_on_postgres_cached_client() {
    let Some(db) = dunder_tests::pg() else {
        return;
    };
    let mut client = dunder::postgres::Client::new(dunder_tests::pg_connect(&db));
    check(&mut client);
    drop(client);
    // PostgreSQL-only syntax passes through: `$$ … $$`, `E'…'`, `??` for
    // the jsonb operator.
    let mut client = dunder::postgres::Client::new(dunder_tests::pg_connect(&db));
    let rows: Vec<String> = dunder::raw::query(
        &mut client,
        "SELECT $$ ? $$ || E'\\'?' || ? WHERE '{\"k\": 1}'::jsonb ?? 'k'",
        &[&"x"],
    )
    .expect("pg syntax");
    assert_eq!(rows, [" ? '?x"]);
    // Parameters have their Rust type: a cast in the SQL gives another.
    let rows: Vec<i16> =
        dunder::raw::query(&mut client, "SELECT ?::smallint + 1::smallint", &[&41i64])
            .expect("cast");
    assert_eq!(rows, [42]);
}

#[test]
fn raw_sql_in_transactions() {
    let mut conn = dunder_tests::sqlite();
    dunder::create_table::<Writer, _>(&conn).expect("table");
    let r: dunder::Result<()> = dunder::atomic(&mut conn, |tx| {
        dunder::raw::execute(&*tx, "INSERT INTO writer (name) VALUES (?)", &[&"a"])?;
        let w = Writer::raw(&*tx, "SELECT * FROM writer", &[])?;
        assert_eq!(w.len(), 1);
        Ok(())
    });
    r.expect("atomic");
}

#[test]
fn db_execute_and_query_need_no_trait() {
    fn run(db: &mut dunder::Db) {
        db.execute(
            "CREATE TABLE writer (id bigint PRIMARY KEY, name text NOT NULL)",
            &[],
        )
        .expect("ddl");
        assert_eq!(
            db.execute(
                "INSERT INTO writer VALUES (?, ?), (?, ?)",
                &[&1i64, &"a", &2i64, &"b"]
            )
            .expect("insert"),
            2
        );
        let rows: Vec<Writer> = db
            .query("SELECT name, id FROM writer WHERE id > ?", &[&1i64])
            .expect("query");
        assert_eq!(
            rows,
            [Writer {
                id: 2,
                name: "b".into()
            }]
        );
        let n: Vec<i64> = db.query("SELECT count(*) FROM writer", &[]).expect("n");
        assert_eq!(n, [2]);
        let rows = Writer::raw(&mut *db, "SELECT * FROM writer ORDER BY id", &[]).expect("raw");
        assert_eq!(rows.len(), 2);
    }
    run(&mut dunder::Db::connect("sqlite::memory:").expect("sqlite"));
    if let Some(pg) = dunder_tests::pg() {
        let mut url = dunder_tests::postgres_url();
        if let Some(i) = url.rfind('/') {
            url.truncate(i + 1);
        }
        url.push_str(pg.dbname());
        run(&mut dunder::Db::connect(&url).expect("postgres"));
    }
}

#[test]
fn from_row_decodes_driver_rows_by_name() {
    let conn = dunder_tests::sqlite();
    dunder::create_table::<Writer, _>(&conn).expect("table");
    conn.execute("INSERT INTO writer (name) VALUES ('a')", [])
        .expect("insert");
    let w = conn
        .query_row("SELECT 7 AS other, name, id FROM writer", [], |row| {
            Ok(Writer::from_row(row))
        })
        .expect("row")
        .expect("decode");
    assert_eq!(
        w,
        Writer {
            id: 1,
            name: "a".into()
        }
    );
    let e = conn
        .query_row("SELECT id FROM writer", [], |row| Ok(Writer::from_row(row)))
        .expect("row")
        .unwrap_err();
    assert!(
        matches!(e, dunder::Error::Decode { column: "name", .. }),
        "{e:?}"
    );

    if let Some(mut db) = dunder_tests::pg() {
        dunder::create_table::<Writer, _>(&mut *db).expect("table");
        db.batch_execute("INSERT INTO writer (name) VALUES ('a')")
            .expect("insert");
        let row = db
            .query_one("SELECT 7 AS other, name, id FROM writer", &[])
            .expect("row");
        assert_eq!(
            Writer::from_row(&row).expect("decode"),
            Writer {
                id: 1,
                name: "a".into()
            }
        );
        let row = db.query_one("SELECT id FROM writer", &[]).expect("row");
        let e = Writer::from_row(&row).unwrap_err();
        assert!(
            matches!(e, dunder::Error::Decode { column: "name", .. }),
            "{e:?}"
        );
        let n = i64::from_row(&db.query_one("SELECT count(*) FROM writer", &[]).expect("n"))
            .expect("scalar");
        assert_eq!(n, 1);
    }
}
